use genserver::prelude::*;

struct Ticker;

impl Ticker {
    #[info]
    fn tick(&mut self) {}
}

fn main() {}
