//! A generic server whose info handler carries the impl's type parameter,
//! with an init that may choose not to start and a deferred call.
use genserver::prelude::*;

struct Bag<T> {
    items: Vec<T>,
    waiting: Option<ReplyTo<Vec<T>>>,
}

#[gen_server]
impl<T: Clone> Bag<T> {
    #[init]
    fn init(first: Option<T>) -> Option<Self> {
        Some(Bag {
            items: vec![first?],
            waiting: None,
        })
    }

    #[info]
    fn put(&mut self, item: T) {
        self.items.push(item);
        if let Some(reply) = self.waiting.take() {
            let _ = reply.send(self.items.clone());
        }
    }

    #[info]
    fn put_twice(&mut self, item: T) {
        self.items.push(item.clone());
        self.put(item);
    }

    #[call]
    fn next_items(&mut self, reply: ReplyTo<Vec<T>>) {
        self.waiting = Some(reply);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert!(matches!(
        Bag::<String>::start(None).await,
        Err(StartError::Ignore)
    ));
    let bag = Bag::start(Some("a".to_owned())).await.unwrap();
    let next = bag.next_items();
    let sender = bag.clone();
    let (items, sent) = tokio::join!(next, async move {
        tokio::task::yield_now().await;
        sender.send_info(BagInfo::PutTwice {
            item: "b".to_owned(),
        })
    });
    sent.unwrap();
    assert_eq!(items.unwrap(), ["a", "b", "b"]);
}
