use genserver::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    fn bump(&mut self) -> u64 {
        self.n += 1;
        self.n
    }
}

fn main() {}
