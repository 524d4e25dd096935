use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[call]
    unsafe fn zero(&self) -> u64 {
        0
    }
}

fn main() {}
