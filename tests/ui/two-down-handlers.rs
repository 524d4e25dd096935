use genserver::prelude::*;

struct Watcher;

#[gen_server]
impl Watcher {
    #[call]
    fn watch(&mut self, other: AnyRef, ctx: &mut Context<Self>) {
        let _ = ctx.monitor(&other);
    }

    #[info]
    fn down(&mut self, down: Down) {
        let _ = down;
    }

    #[info]
    fn down_again(&mut self, again: genserver::Down) {
        let _ = again;
    }

    #[info]
    fn exit(&mut self, exit: Exit) {
        let _ = exit;
    }
}

fn main() {}
