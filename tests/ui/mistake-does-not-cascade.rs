use genserver::prelude::*;

struct Store {
    n: u64,
}

#[gen_server]
impl Store {
    #[cast]
    fn put(&mut self, key: &str) {
        let _ = key;
    }

    #[call]
    fn get(&self) -> u64 {
        self.n
    }
}

// Only the handler with the mistake is missing: `start` and `get` exist.
async fn use_it() -> Result<u64, Box<dyn std::error::Error>> {
    let store = Store::start(Store { n: 1 }).await?;
    Ok(store.get().await?)
}

fn main() {
    let _ = use_it;
}
