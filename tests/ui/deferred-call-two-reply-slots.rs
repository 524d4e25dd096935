use genserver::prelude::*;

struct Store {
    value: u64,
}

#[gen_server]
impl Store {
    #[call]
    fn get(&mut self, first: ReplyTo<u64>, second: ReplyTo<u64>) {
        let _ = first.send(self.value);
        let _ = second.send(self.value);
    }
}

fn main() {}
