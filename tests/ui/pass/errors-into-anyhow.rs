//! Every error type goes through `?` into `anyhow::Error` and into
//! `Box<dyn Error + Send + Sync>`, whatever the message types: here a cast
//! argument that is `Send` but not `Sync` (a boxed job), and an init error
//! that is not an `Error` at all.
use std::error::Error;

use genserver::prelude::*;
use genserver::{LinkError, ServerId};

type Job = Box<dyn FnOnce() -> u32 + Send>;

#[derive(Default)]
struct Runner {
    done: u32,
}

#[gen_server]
impl Runner {
    #[init]
    fn init(fail: bool) -> Result<Self, String> {
        if fail { Err("no".into()) } else { Ok(Runner::default()) }
    }

    #[cast]
    fn run(&mut self, job: Job) {
        self.done += job();
    }

    #[call]
    fn done(&self) -> u32 {
        self.done
    }
}

fn link_error() -> Result<(), LinkError> {
    Err(LinkError::NoProc)
}

async fn with_anyhow() -> anyhow::Result<ServerId> {
    let runner = Runner::start(false).await?;
    runner.run(Box::new(|| 1))?;
    let _ = runner.done().await?;
    runner.stop().await?;
    link_error().or_else(|_| Ok::<_, LinkError>(()))?;
    Ok(runner.id())
}

async fn with_box() -> Result<ServerId, Box<dyn Error + Send + Sync>> {
    let runner = Runner::start(false).await?;
    runner.run(Box::new(|| 1))?;
    let _ = runner.done().await?;
    runner.stop().await?;
    link_error().or_else(|_| Ok::<_, LinkError>(()))?;
    Ok(runner.id())
}

async fn failing() -> anyhow::Result<()> {
    let runner = Runner::start(true).await?;
    runner.stop().await?;
    Ok(())
}

async fn refused() -> Result<(), Box<dyn Error + Send + Sync>> {
    let runner = Runner::start(false).await?;
    runner.stop().await?;
    runner.run(Box::new(|| 1))?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    with_anyhow().await.unwrap();
    with_box().await.unwrap();
    let error = failing().await.unwrap_err();
    assert_eq!(error.to_string(), "init failed: no");
    let error = refused().await.unwrap_err();
    assert_eq!(error.to_string(), "no process: the server is not running");
}
