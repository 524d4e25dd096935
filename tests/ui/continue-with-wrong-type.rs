use genserver::prelude::*;

struct Ticker {
    ticks: u64,
}

#[gen_server]
impl Ticker {
    #[cast]
    fn start_ticking(&mut self, ctx: &mut Context<Self>) {
        ctx.continue_with(5);
    }

    #[info]
    fn tick(&mut self) {
        self.ticks += 1;
    }
}

fn main() {}
