use genserver::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[init]
    fn init(n: u64) -> Box<Self> {
        Box::new(Counter { n })
    }
}

fn main() {}
