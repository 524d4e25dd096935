use genserver::prelude::*;

struct Counter;

#[gen_server(mesage = CounterRequest)]
impl Counter {
    #[cast]
    fn bump(&mut self) {}
}

fn main() {}
