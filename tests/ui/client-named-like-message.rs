use genserver::prelude::*;

struct Store {
    count: usize,
}

#[gen_server(message = StoreClient)]
impl Store {
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
