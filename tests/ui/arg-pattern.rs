use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[call]
    fn add(&self, (a, b): (u64, u64)) -> u64 {
        a + b
    }
}

fn main() {}
