//! The context may be taken immutably, under any name, with the server's own
//! name instead of `Self`, through a path, and at any position in the
//! argument list, around the fields and the reply slot.
use genserver::prelude::*;

#[derive(Default)]
struct Server {
    total: u64,
}

#[gen_server]
impl Server {
    #[init]
    fn init(first: u64, _ctx: &Context<Server>, second: u64) -> Self {
        Server {
            total: first + second,
        }
    }

    #[call]
    fn add(&mut self, left: u64, ctx: &Context<Self>, right: u64) -> (u64, bool) {
        self.total += left + right;
        (self.total, ctx.is_stopping())
    }

    #[call]
    fn total_later(&mut self, reply: ReplyTo<u64>, ctx: &mut genserver::Context<Self>) {
        ctx.continue_with(ServerInfo::Answer { reply });
    }

    #[call]
    fn stop_and_report(&mut self, this: &mut Context<Self>, why: String) -> u64 {
        this.stop(ExitReason::shutdown(why));
        self.total
    }

    #[cast]
    fn bump(&mut self, ctx: &Context<Self>, by: u64) {
        assert!(!ctx.is_stopping());
        self.total += by;
    }

    #[info]
    fn answer(&mut self, reply: ReplyTo<u64>, ctx: &mut Context<Self>) {
        let _ = ctx.id();
        let _ = reply.send(self.total);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let server = Server::start(1, 2).await.unwrap();
    assert_eq!(server.add(3, 4).await.unwrap(), (10, false));
    server.bump(5).unwrap();
    assert_eq!(server.total_later().await.unwrap(), 15);
    assert_eq!(server.stop_and_report("done".into()).await.unwrap(), 15);
    assert_eq!(server.exited().await, ExitReason::shutdown("done"));
}
