use genserver::prelude::*;

#[gen_server]
fn counter() -> u64 {
    0
}

fn main() {}
