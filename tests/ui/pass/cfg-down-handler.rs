//! A `Down` handler behind a `cfg` that holds implements `ReceivesDown`
//! under the same `cfg`; an `Exit` handler compiled out implements nothing.
use genserver::prelude::*;
use genserver::{AnyRef, MonitorRef};

#[derive(Default)]
struct Watcher {
    downs: Vec<Down>,
}

#[gen_server]
impl Watcher {
    #[call]
    fn watch(&mut self, other: AnyRef, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&other)
    }

    #[call]
    fn downs(&self) -> Vec<Down> {
        self.downs.clone()
    }

    #[cfg(all())]
    #[info]
    fn down(&mut self, down: Down) {
        self.downs.push(down);
    }

    #[cfg(any())]
    #[info]
    fn exit(&mut self, exit: Exit) {
        let _ = exit;
    }
}

struct Gone;

#[gen_server]
impl Gone {
    #[cast]
    fn poke(&mut self) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let gone = Gone::start(Gone).await.unwrap();
    gone.stop().await.unwrap();
    let watcher = Watcher::start(Watcher::default()).await.unwrap();
    // Already gone: the notice is queued at once, before the next call.
    let monitor = watcher.watch(gone.clone().into()).await.unwrap();
    let downs = watcher.downs().await.unwrap();
    assert_eq!(downs.len(), 1);
    assert_eq!(downs[0].monitor, monitor);
    assert_eq!(downs[0].id, gone.id());
    assert_eq!(downs[0].reason, ExitReason::NoProc);
}
