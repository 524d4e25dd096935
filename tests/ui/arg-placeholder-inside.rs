use genserver::prelude::*;

struct Store {
    count: usize,
}

#[gen_server]
impl Store {
    #[cast]
    fn add(&mut self, items: Vec<_>) {
        let items: Vec<u8> = items;
        self.count += items.len();
    }

    #[call]
    fn count(&self) -> usize {
        self.count
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let store = Store::start(Store { count: 0 }).await.unwrap();
    let _: usize = store.count().await.unwrap();
}
