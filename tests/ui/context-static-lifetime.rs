use genserver::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    fn bump(&mut self, ctx: &'static mut Context<Self>) {
        self.n += 1;
        let _ = ctx.id();
    }
}

fn main() {}
