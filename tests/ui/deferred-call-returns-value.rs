use genserver::prelude::*;

struct Store {
    value: u64,
}

#[gen_server]
impl Store {
    #[call]
    fn get(&mut self, reply: ReplyTo<u64>) -> u64 {
        let _ = reply.send(self.value);
        self.value
    }
}

fn main() {}
