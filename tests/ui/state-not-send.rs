use genserver::prelude::*;

use std::rc::Rc;

struct Shared {
    count: Rc<u64>,
}

#[gen_server]
impl Shared {
    #[call]
    fn count(&self) -> u64 {
        *self.count
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let shared = Shared::start(Shared { count: Rc::new(1) }).await.unwrap();
    let _: u64 = shared.count().await.unwrap();
}
