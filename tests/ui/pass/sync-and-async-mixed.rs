use genserver::prelude::*;
use std::time::Duration;

#[derive(Default)]
struct Mixed {
    log: Vec<&'static str>,
}

#[gen_server]
impl Mixed {
    #[init]
    async fn init(first: &'static str) -> Self {
        tokio::task::yield_now().await;
        Mixed { log: vec![first] }
    }

    #[cast]
    fn sync_cast(&mut self) {
        self.log.push("sync cast");
    }

    #[cast]
    async fn async_cast(&mut self) {
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.log.push("async cast");
    }

    #[call]
    fn sync_call(&self) -> usize {
        self.log.len()
    }

    #[call]
    async fn async_call(&mut self) -> Vec<&'static str> {
        tokio::task::yield_now().await;
        std::mem::take(&mut self.log)
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        tokio::task::yield_now().await;
        assert!(reason.is_normal());
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mixed = Mixed::start("init").await.unwrap();
    mixed.async_cast().unwrap();
    mixed.sync_cast().unwrap();
    assert_eq!(mixed.sync_call().await.unwrap(), 3);
    assert_eq!(mixed.async_call().await.unwrap(), ["init", "async cast", "sync cast"]);
    mixed.stop().await.unwrap();
}
