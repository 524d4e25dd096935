use genserver::prelude::*;

struct Parent;

#[gen_server]
impl Parent {
    #[info]
    fn exit(&mut self, exit: Exit) {
        let _ = exit;
    }

    #[info]
    async fn exit_later(&mut self, exit: Exit, ctx: &mut Context<Self>) {
        let _ = (exit, ctx.id());
    }
}

fn main() {}
