use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[call]
    #[cast]
    fn touch(&mut self) {}
}

fn main() {}
