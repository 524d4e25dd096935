use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[terminate]
    fn terminate(&mut self, reason: ExitReason) {
        let _ = reason;
    }
}

fn main() {}
