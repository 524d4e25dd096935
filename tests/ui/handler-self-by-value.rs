use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[cast]
    fn consume(self) {}
}

fn main() {}
