use genserver::prelude::*;

struct Ticker;

#[gen_server(info = "TickerEvent")]
impl Ticker {
    #[info]
    fn tick(&mut self) {}
}

fn main() {}
