use genserver::prelude::*;

struct Other;

#[gen_server]
impl Other {
    #[cast]
    fn poke(&mut self) {}
}

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    fn bump(&mut self, ctx: &mut Context<Other>) {
        self.n += 1;
        let _ = ctx.id();
    }
}

fn main() {}
