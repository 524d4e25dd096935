use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn start() -> Self {
        Counter
    }

    #[cast]
    fn bump(&mut self) {}
}

fn main() {}
