use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn start_link() -> Self {
        Counter
    }

    #[cast]
    fn bump(&mut self) {}
}

fn main() {}
