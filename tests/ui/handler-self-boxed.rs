use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[call]
    fn boxed(self: Box<Self>) -> u64 {
        0
    }
}

fn main() {}
