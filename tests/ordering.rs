//! One message at a time, in mailbox order: what one client sends arrives in
//! the order sent, whatever mix of casts and calls it is.

#![allow(missing_docs)]

mod support;

use genserver::prelude::*;

#[derive(Debug, Default)]
struct Register {
    values: Vec<u64>,
}

#[gen_server]
impl Register {
    #[cast]
    fn push(&mut self, value: u64) {
        self.values.push(value);
    }

    #[call]
    fn last(&self) -> Option<u64> {
        self.values.last().copied()
    }

    #[call]
    fn all(&self) -> Vec<u64> {
        self.values.clone()
    }
}

#[tokio::test]
async fn a_call_sees_the_cast_sent_before_it() {
    let _watchdog = support::watchdog();
    let server = Register::start(Register::default()).await.unwrap();
    server.push(7).unwrap();
    assert_eq!(server.last().await.unwrap(), Some(7));
}

#[tokio::test]
async fn a_call_after_ten_thousand_casts_sees_them_all_in_order() {
    let _watchdog = support::watchdog();
    let server = Register::start(Register::default()).await.unwrap();
    for value in 0..10_000 {
        server.push(value).unwrap();
    }
    let all = server.all().await.unwrap();
    assert_eq!(all, (0..10_000).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sender_keeps_its_order_among_concurrent_senders() {
    let _watchdog = support::watchdog();
    let server = Register::start(Register::default()).await.unwrap();
    let mut tasks = Vec::new();
    for sender in 0..4u64 {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..1_000u64 {
                server.push(sender * 1_000_000 + i).unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let all = server.all().await.unwrap();
    assert_eq!(all.len(), 4_000);
    for sender in 0..4u64 {
        let mine: Vec<u64> = all
            .iter()
            .copied()
            .filter(|v| v / 1_000_000 == sender)
            .collect();
        let expected: Vec<u64> = (0..1_000).map(|i| sender * 1_000_000 + i).collect();
        assert_eq!(mine, expected, "sender {sender} out of order");
    }
}
