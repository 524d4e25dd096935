use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Default for Counter {
    fn default() -> Self {
        Counter
    }
}

fn main() {}
