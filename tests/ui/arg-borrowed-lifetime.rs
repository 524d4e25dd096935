use genserver::prelude::*;
use std::borrow::Cow;

struct Store;

#[gen_server]
impl Store {
    #[cast]
    fn put(&mut self, value: Cow<'_, str>) {
        let _ = value;
    }
}

fn main() {}
