use genserver::prelude::*;

struct Store;

#[gen_server]
impl Store {
    #[call]
    fn peek(&self) -> bool {
        __genserver_reply.is_closed()
    }
}

fn main() {}
