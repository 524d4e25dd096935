use genserver::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    #[terminate]
    fn terminate(&mut self, reason: &ExitReason, code: i32) {
        let _ = (reason, code);
    }
}

fn main() {}
