use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[call]
    fn first<'a>(&self, values: Vec<&'a str>) -> usize {
        values.len()
    }
}

fn main() {}
