use genserver::prelude::*;

struct Ticker {
    ticks: u64,
}

#[gen_server]
impl Ticker {
    #[info]
    fn tick(&mut self) -> u64 {
        self.ticks += 1;
        self.ticks
    }
}

fn main() {}
