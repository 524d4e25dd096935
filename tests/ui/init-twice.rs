use genserver::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[init]
    fn init(n: u64) -> Self {
        Counter { n }
    }

    #[init]
    fn init_from_zero() -> Self {
        Counter { n: 0 }
    }

    #[call]
    fn get(&self) -> u64 {
        self.n
    }
}

fn main() {}
