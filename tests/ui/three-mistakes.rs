use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[cast]
    fn put(&mut self, key: &str) {
        let _ = key;
    }

    #[call]
    fn size() -> usize {
        0
    }

    #[init]
    fn init(&self) -> Self {
        Store
    }
}

fn main() {}
