use genserver::prelude::*;

#[derive(Clone)]
struct Worker;

#[gen_server(restart = "transient")]
impl Worker {
    #[cast]
    fn work(&mut self) {}
}

fn main() {
    let _ = Worker::child_spec(Worker);
}
