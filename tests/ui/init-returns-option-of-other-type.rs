use genserver::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[init]
    fn init(n: u64) -> Option<u64> {
        Some(n)
    }

    #[call]
    fn get(&self) -> u64 {
        self.n
    }
}

fn main() {}
