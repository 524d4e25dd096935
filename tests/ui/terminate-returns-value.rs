use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[terminate]
    fn terminate(&mut self) -> bool {
        true
    }
}

fn main() {}
