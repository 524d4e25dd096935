use genserver::prelude::*;

struct Store {
    items: u32,
}

#[gen_server]
impl Store {
    #[call]
    fn items(&self) -> u32 {
        self.items
    }

    #[terminate]
    fn terminate(&mut self, reason: &String) {
        let _ = reason;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let store = Store::start(Store { items: 0 }).await.unwrap();
    let _: u32 = store.items().await.unwrap();
}
