use genserver::prelude::*;

struct Counter;

#[gen_server(message = "CounterMsg")]
impl Counter {
    #[cast]
    fn bump(&mut self) {}
}

fn main() {}
