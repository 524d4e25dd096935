use genserver::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    fn bump(&mut self) {
        self.n += 1;
    }

    #[terminate]
    fn terminate(&mut self, ctx: &mut Context<Self>) {
        let _ = ctx.id();
    }
}

fn main() {}
