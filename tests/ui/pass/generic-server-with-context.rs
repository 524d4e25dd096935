//! A generic server whose handlers take the context: the impl needs no
//! `Send + 'static` bounds of its own.

use genserver::prelude::*;

struct Bag<T> {
    items: Vec<T>,
}

#[gen_server]
impl<T: Clone> Bag<T> {
    #[cast]
    fn put_later(&mut self, item: T, ctx: &mut Context<Self>) {
        ctx.continue_with(BagInfo::Put { item });
    }

    #[info]
    fn put(&mut self, item: T) {
        self.items.push(item);
    }

    #[call]
    fn all(&self, _ctx: &'_ Context<Self>) -> Vec<T> {
        self.items.clone()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let bag = Bag::start(Bag { items: Vec::new() }).await.unwrap();
    bag.put_later(1_u8).unwrap();
    assert_eq!(bag.all().await.unwrap(), [1]);
}
