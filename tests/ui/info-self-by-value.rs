use genserver::prelude::*;

struct Ticker;

#[gen_server]
impl Ticker {
    #[info]
    fn tick(self) {}
}

fn main() {}
