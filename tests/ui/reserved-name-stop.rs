use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[cast]
    fn stop(&mut self) {}
}

fn main() {}
