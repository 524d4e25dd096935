use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[call]
    fn put(&mut self, __genserver_ctx: u8, ctx: &mut Context<Self>) -> u8 {
        let _ = ctx;
        __genserver_ctx
    }

    #[cast]
    fn forget(&mut self, r#__genserver_reply: String) {
        let _ = r#__genserver_reply;
    }
}

fn main() {}
