use genserver::prelude::*;

struct Store {
    name: String,
}

#[gen_server]
impl Store {
    #[call]
    fn label(&self) -> str {
        todo!()
    }

    #[call]
    fn len(&self) -> usize {
        self.name.len()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let store = Store::start(Store { name: String::new() }).await.unwrap();
    let _: usize = store.len().await.unwrap();
}
