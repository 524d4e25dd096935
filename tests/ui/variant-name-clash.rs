use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[cast]
    fn get_x(&mut self) {}

    #[cast]
    #[allow(non_snake_case)]
    fn getX(&mut self) {}
}

fn main() {}
