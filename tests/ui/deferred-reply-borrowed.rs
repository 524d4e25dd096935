use genserver::prelude::*;

struct Store {
    name: String,
}

#[gen_server]
impl Store {
    #[call]
    fn label(&mut self, reply: ReplyTo<&str>) {
        let _ = reply.send("store");
        let _ = &self.name;
    }
}

fn main() {}
