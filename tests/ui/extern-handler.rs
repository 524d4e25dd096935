use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[call]
    extern "C" fn zero(&self) -> u64 {
        0
    }
}

fn main() {}
