//! A started server's handle left unused is a warning (here an error):
//! dropping the last handle to an unnamed server stops it at once.
#![deny(unused_must_use)]

use genserver::prelude::*;

#[derive(Default)]
struct Worker;

#[gen_server]
impl Worker {
    #[cast]
    fn work(&mut self) {}
}

async fn start() -> Result<(), StartError<Worker>> {
    Worker::start(Worker).await?;
    Ok(())
}

fn main() {
    let _ = start();
}
