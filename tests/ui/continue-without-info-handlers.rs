use genserver::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    fn bump(&mut self, ctx: &mut Context<Self>) {
        self.n += 1;
        ctx.continue_with(CounterInfo::Bump);
    }
}

fn main() {}
