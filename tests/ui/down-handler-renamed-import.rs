use genserver::Down as Notice;
use genserver::prelude::*;

struct Watcher;

#[gen_server]
impl Watcher {
    #[call]
    fn watch(&mut self, other: AnyRef, ctx: &mut Context<Self>) {
        let _ = ctx.monitor(&other);
    }

    #[info]
    fn notice(&mut self, notice: Notice) {
        let _ = notice;
    }
}

fn main() {}
