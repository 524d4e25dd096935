use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[call]
    fn get(&self, key: &str) -> usize {
        key.len()
    }
}

fn main() {}
