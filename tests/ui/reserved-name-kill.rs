use genserver::prelude::*;

struct Worker;

#[gen_server]
impl Worker {
    #[call]
    fn kill(&mut self) -> bool {
        true
    }
}

fn main() {}
