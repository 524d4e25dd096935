use genserver::prelude::*;

struct Ticker;

#[gen_server]
impl Ticker {
    #[info]
    fn get_all(&mut self) {}

    #[info]
    #[allow(non_snake_case)]
    fn getAll(&mut self) {}
}

fn main() {}
