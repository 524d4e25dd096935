use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[cast]
    fn put(&mut self, value: dyn std::fmt::Debug) {}
}

fn main() {}
