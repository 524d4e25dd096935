use genserver::prelude::*;

struct Answerer;

#[gen_server]
impl Answerer {
    #[cast]
    fn answer(&mut self, reply: ReplyTo<&str>) {
        let _ = reply.send("answer");
    }
}

fn main() {}
