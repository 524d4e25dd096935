use genserver::prelude::*;

struct Counter {
    count: u64,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(&self) -> u64 {
        self.count +
    }

    #[cast]
    fn bump(&mut self, by: u64) {
        self.count += by;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let counter = Counter::start(Counter { count: 1 }).await.unwrap();
    counter.bump(2).unwrap();
    let _: u64 = counter.get().await.unwrap();
}
