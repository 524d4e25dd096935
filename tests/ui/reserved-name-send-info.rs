use genserver::prelude::*;

struct Worker;

#[gen_server]
impl Worker {
    #[cast]
    fn send_info(&mut self, text: String) {
        drop(text);
    }
}

fn main() {}
