use genserver::prelude::*;

use std::rc::Rc;

struct Store;

#[gen_server]
impl Store {
    #[cast]
    fn keep(&mut self, value: Rc<u64>) {
        let _ = value;
    }
}

fn main() {}
