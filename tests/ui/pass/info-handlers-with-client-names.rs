//! Info handlers get no client function, so they may take the names that
//! `ServerRef` methods reserve for calls and casts; and info variants live in
//! their own enum, so they may repeat a message variant's name.
use genserver::prelude::*;

#[derive(Default)]
struct Worker {
    log: Vec<&'static str>,
}

#[gen_server]
impl Worker {
    #[call]
    fn get_log(&self) -> Vec<&'static str> {
        self.log.clone()
    }

    #[info]
    #[allow(non_snake_case)]
    fn getLog(&mut self) {
        self.log.push("info GetLog");
    }

    #[info]
    fn kill(&mut self) {
        self.log.push("info Kill");
    }

    #[info]
    fn send_info(&mut self) {
        self.log.push("info SendInfo");
    }

    #[info]
    fn clone(&mut self) {
        self.log.push("info Clone");
    }

    #[info]
    fn stop(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::shutdown("asked by info"));
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let worker = Worker::start(Worker::default()).await.unwrap();
    worker.send_info(WorkerInfo::GetLog).unwrap();
    worker.send_info(WorkerInfo::Kill).unwrap();
    worker.send_info(WorkerInfo::SendInfo).unwrap();
    worker.send_info(WorkerInfo::Clone).unwrap();
    assert_eq!(
        worker.get_log().await.unwrap(),
        ["info GetLog", "info Kill", "info SendInfo", "info Clone"]
    );
    // `ServerRef::stop` is still the client's own stop.
    let other = Worker::start(Worker::default()).await.unwrap();
    other.stop().await.unwrap();
    assert!(other.exit_reason().unwrap().is_normal());
    worker.send_info(WorkerInfo::Stop).unwrap();
    assert_eq!(worker.exited().await, ExitReason::shutdown("asked by info"));
}
