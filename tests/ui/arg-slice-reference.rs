use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[cast]
    fn put_all(&mut self, values: &[u8]) {
        let _ = values;
    }
}

fn main() {}
