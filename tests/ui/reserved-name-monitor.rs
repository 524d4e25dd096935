use genserver::prelude::*;

struct Watcher;

#[gen_server]
impl Watcher {
    #[call]
    fn monitor(&mut self, other: AnyRef) -> bool {
        other.is_alive()
    }
}

fn main() {}
