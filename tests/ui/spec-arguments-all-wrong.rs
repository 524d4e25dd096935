use genserver::prelude::*;

#[derive(Clone)]
struct Worker;

#[gen_server(restart = sometimes, shutdown = 1.5, restart = transient, restart = temporary, shutdown = forever)]
impl Worker {
    #[cast]
    fn work(&mut self) {}
}

fn main() {
    let _ = Worker::child_spec(Worker);
}
