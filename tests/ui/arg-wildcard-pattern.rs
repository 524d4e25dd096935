use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[cast]
    fn ignore(&mut self, _: u64) {}
}

fn main() {}
