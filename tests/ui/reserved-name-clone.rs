use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[call]
    fn clone(&self) -> u64 {
        0
    }
}

fn main() {}
