//! A call made `owned` is `'static`: it can be spawned, or put in a
//! `JoinSet`, after the handle it was made from is gone.
use genserver::prelude::*;
use tokio::task::JoinSet;

#[derive(Default)]
struct Squares;

#[gen_server]
impl Squares {
    #[call]
    fn square(&self, n: u64) -> u64 {
        n * n
    }
}

#[tokio::main]
async fn main() {
    let server = Squares::start(Squares).await.unwrap();
    let spawned = tokio::spawn(server.square(3).owned());
    let mut set = JoinSet::new();
    for n in 0..10 {
        set.spawn(server.square(n).owned());
    }
    // The server is named by nothing else: the pending calls' own handles
    // keep it running until they are answered.
    let late = server.square(4).owned();
    drop(server);
    assert_eq!(late.await, Ok(16));
    assert_eq!(spawned.await.unwrap(), Ok(9));
    let mut sum = 0;
    while let Some(reply) = set.join_next().await {
        sum += reply.unwrap().unwrap();
    }
    assert_eq!(sum, (0..10).map(|n| n * n).sum::<u64>());
}
