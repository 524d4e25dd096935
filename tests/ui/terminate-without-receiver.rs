use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[terminate]
    fn terminate() {}
}

fn main() {}
