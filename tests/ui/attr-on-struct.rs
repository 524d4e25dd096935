use genserver::prelude::*;

#[gen_server]
pub struct Counter {
    n: u64,
}

fn main() {}
