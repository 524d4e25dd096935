use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[call]
    fn echo<T: Send + 'static>(&self, value: T) -> T {
        value
    }
}

fn main() {}
