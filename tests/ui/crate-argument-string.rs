use genserver::prelude::*;

struct Counter;

#[gen_server(crate = "genserver", mesage = X)]
impl Counter {
    #[cast]
    fn bump(&mut self) {}
}

fn main() {}
