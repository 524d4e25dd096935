use genserver::prelude::*;

struct Watcher;

#[gen_server]
impl Watcher {
    #[call]
    fn watch(&mut self, other: AnyRef, ctx: &mut Context<Self>) {
        let _ = ctx.monitor(&other);
    }

    #[info]
    fn tick(&mut self) {}
}

fn main() {}
