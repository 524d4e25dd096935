use genserver::prelude::*;

struct Parent;

#[gen_server]
impl Parent {
    #[init]
    fn init(ctx: &mut Context<Self>) -> Self {
        ctx.trap_exits(true);
        Parent
    }

    #[info]
    fn down(&mut self, down: Down) {
        let _ = down;
    }
}

fn main() {}
