use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[call(retries = 5)]
    fn zero(&self) -> u64 {
        0
    }
}

fn main() {}
