use genserver::prelude::*;
use std::time::Duration;

struct Ticker {
    ticks: u64,
}

#[gen_server]
impl Ticker {
    #[cast]
    fn start_ticking(&mut self, ctx: &mut Context<Self>) {
        ctx.send_after(Duration::from_secs(1), TickerInfo::Tick(1));
    }

    #[info]
    fn tick(&mut self) {
        self.ticks += 1;
    }
}

fn main() {}
