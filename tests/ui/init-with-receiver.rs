use genserver::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[init]
    fn init(&self, n: u64) -> Self {
        Counter { n: self.n + n }
    }
}

fn main() {}
