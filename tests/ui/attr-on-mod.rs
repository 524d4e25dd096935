use genserver::prelude::*;

#[gen_server]
mod counter {}

fn main() {}
