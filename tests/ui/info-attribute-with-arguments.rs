use genserver::prelude::*;

struct Ticker;

#[gen_server]
impl Ticker {
    #[info(x)]
    fn tick(&mut self) {}
}

fn main() {}
