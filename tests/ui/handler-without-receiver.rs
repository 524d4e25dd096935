use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[call]
    fn zero() -> u64 {
        0
    }
}

fn main() {}
