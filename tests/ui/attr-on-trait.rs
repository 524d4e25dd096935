use genserver::prelude::*;

#[gen_server]
trait Counter {
    fn next(&mut self) -> u64;
}

fn main() {}
