use genserver::prelude::*;

struct Store;

impl Store {
    #[call]
    fn get(&self) -> u64 {
        0
    }
}

fn main() {}
