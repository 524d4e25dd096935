use genserver::prelude::*;

struct Ticker;

#[gen_server(info = TickerEvent, info = TickerSignal)]
impl Ticker {
    #[info]
    fn tick(&mut self) {}
}

fn main() {}
