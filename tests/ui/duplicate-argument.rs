use genserver::prelude::*;

struct Counter;

#[gen_server(message = A, message = B)]
impl Counter {
    #[cast]
    fn bump(&mut self) {}
}

fn main() {}
