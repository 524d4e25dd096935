use genserver::prelude::*;

struct Ticker;

#[gen_server(info = TickerMsg)]
impl Ticker {
    #[cast]
    fn reset(&mut self) {}

    #[info]
    fn tick(&mut self) {}
}

fn main() {}
