use genserver::prelude::*;

use std::rc::Rc;

struct Store;

#[gen_server]
impl Store {
    #[call]
    fn shared(&self) -> Rc<u64> {
        Rc::new(1)
    }
}

fn main() {}
