use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[cast]
    fn put(&mut self, value: impl Into<String>) {
        let _ = value.into();
    }
}

fn main() {}
