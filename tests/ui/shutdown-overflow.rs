use genserver::prelude::*;

#[derive(Clone)]
struct Worker;

#[gen_server(shutdown = 99_999_999_999_999_999_999)]
impl Worker {
    #[cast]
    fn work(&mut self) {}
}

fn main() {
    let _ = Worker::child_spec(Worker);
}
