//! Errors as error reporters see them: an init error that is an `Error` is
//! the start error's source, so `anyhow` follows the chain into it and
//! finds it by type, and the start error's message does not repeat it; an
//! init error that is not an `Error` is shown in the message instead. A
//! cast's error is `Send + Sync` whatever its message, and gives the
//! message back.

#![allow(missing_docs)]

mod support;

use std::error::Error;
use std::io;

use genserver::prelude::*;

struct Opener;

#[gen_server]
impl Opener {
    #[init]
    fn init(path: String) -> Result<Self, io::Error> {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{path}: no such file"),
        ))
    }
}

struct Picky;

#[gen_server]
impl Picky {
    #[init]
    fn init(reason: String) -> Result<Self, String> {
        Err(reason)
    }
}

#[tokio::test]
async fn an_init_error_that_is_an_error_is_the_source() {
    let _watchdog = support::watchdog();
    let error = Opener::start("/etc/nowhere".into()).await.unwrap_err();
    assert_eq!(error.to_string(), "init failed");
    let source = error.source().expect("the init error");
    assert_eq!(source.to_string(), "/etc/nowhere: no such file");

    let error = anyhow::Error::from(error);
    let found = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<io::Error>())
        .expect("the io::Error in the chain");
    assert_eq!(found.kind(), io::ErrorKind::NotFound);
    assert_eq!(
        format!("{error:#}"),
        "init failed: /etc/nowhere: no such file"
    );
}

#[tokio::test]
async fn an_init_error_that_is_not_an_error_is_in_the_message() {
    let _watchdog = support::watchdog();
    let error = Picky::start("not today".into()).await.unwrap_err();
    assert!(error.source().is_none());
    assert_eq!(error.to_string(), "init failed: not today");
    let error = Picky::start("nor tomorrow".into()).await.unwrap_err();
    assert_eq!(
        format!("{:#}", anyhow::Error::from(error)),
        "init failed: nor tomorrow"
    );
}

#[derive(Default)]
struct Runner {
    ran: u32,
}

type Job = Box<dyn FnOnce() -> u32 + Send>;

#[gen_server]
impl Runner {
    #[cast]
    fn run(&mut self, job: Job) {
        self.ran += job();
    }
}

#[tokio::test]
async fn a_refused_cast_is_send_and_sync_and_gives_its_message_back() {
    fn send_sync<E: Send + Sync + 'static>(_: &E) {}
    let _watchdog = support::watchdog();
    let runner = Runner::start(Runner::default()).await.unwrap();
    runner.stop().await.unwrap();
    let mut refused = runner.run(Box::new(|| 7)).unwrap_err();
    send_sync(&refused);
    assert!(refused.is_no_proc());
    assert_eq!(format!("{refused:?}"), "NoProc(..)");
    // The message need not be `Debug`, so it is never shown.
    assert_eq!(
        format!("{:?}", genserver::Undelivered::new(7)),
        "Undelivered(..)"
    );
    assert!(matches!(refused.message_mut(), RunnerMsg::Run { .. }));
    let RunnerMsg::Run { job } = refused.into_message();
    assert_eq!(job(), 7, "the job itself, unrun");
}
