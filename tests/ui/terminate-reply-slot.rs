use genserver::prelude::*;

struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    fn bump(&mut self) {
        self.n += 1;
    }

    #[terminate]
    fn terminate(&mut self, reply: ReplyTo<u64>) {
        let _ = reply.send(self.n);
    }
}

fn main() {}
