use genserver::prelude::*;

struct Ticker;

#[gen_server]
impl Ticker {
    #[call]
    #[info]
    fn tick(&mut self) {}
}

fn main() {}
