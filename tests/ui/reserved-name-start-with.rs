use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn start_with(n: u64) -> u64 {
        n
    }

    #[cast]
    fn bump(&mut self) {}
}

fn main() {}
