use genserver::prelude::*;

struct Store {
    count: u64,
}

#[gen_server]
impl Store {
    #[call]
    fn count(&self) -> u64 {
        "not a number"
    }
}

fn main() {}
