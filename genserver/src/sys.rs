//! Looking inside running servers: Erlang's `:sys` module, the list of
//! running servers, and the crash reports kept.
//!
//! The requests here are *system requests*: they travel through the
//! server's mailbox in order with its messages, as in OTP, and the server
//! answers them between two messages, without its handlers seeing them.
//! They do not end an idle wait: a server with an idle timeout still times
//! out on schedule while it is inspected. A suspended server answers them
//! and nothing else.
//!
//! | Erlang | here |
//! |---|---|
//! | `:sys.get_state/1` | [`format_state`] (as its `Debug` shows it), [`get_state`] (a clone) |
//! | `:sys.replace_state/2` | [`replace_state`] |
//! | `:sys.get_status/1` | [`get_status`] |
//! | `:sys.suspend/1`, `:sys.resume/1` | [`suspend`], [`resume`] |
//! | `:sys.trace/2` | [`trace`] |
//! | `:sys.statistics/2` | [`statistics`], [`get_statistics`] |
//! | `Process.list/0` with `Process.info/1` | [`processes`] |
//!
//! Each request waits at most [`TIMEOUT`] for the answer, as `:sys`'s
//! functions wait 5 seconds by default.
//!
//! ```
//! # use genserver::prelude::*;
//! #[derive(Debug, Default)]
//! struct Counter { n: u64 }
//!
//! #[gen_server]
//! impl Counter {
//!     #[cast]
//!     fn add(&mut self, by: u64) { self.n += by; }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let counter = Counter::start(Counter::default()).await?;
//! counter.add(2)?;
//! assert_eq!(genserver::sys::format_state(&counter).await?, "Counter { n: 2 }");
//!
//! genserver::sys::suspend(&counter).await?;
//! counter.add(1)?; // waits in the mailbox while the server is suspended
//! let status = genserver::sys::get_status(&counter).await?;
//! assert!(status.suspended);
//! assert_eq!(status.mailbox_len, 1);
//! genserver::sys::resume(&counter).await?;
//! assert_eq!(genserver::sys::format_state(&counter).await?, "Counter { n: 3 }");
//! # Ok(()) }
//! ```

mod state;
pub(crate) mod table;

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::oneshot;

pub use crate::report::{CrashReport, Recording, recent_crashes, recording, set_recording};
pub(crate) use state::{LinksInfo, Request, SysState, handle};

use crate::process::{Process, ServerHandle, sealed::Sealed as _};
use crate::{AnyRef, context};
use crate::{ExitReason, GenServer, ServerId, ServerRef};

/// How long a system request waits for its answer: 5 seconds, the default
/// of `:sys`'s functions.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Why a system request failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SysError {
    /// The server is not running.
    #[error("no server is running (noproc)")]
    NoProc,
    /// No answer within [`TIMEOUT`]: the server is busy, or blocked.
    #[error("the server did not answer the system request in time")]
    Timeout,
    /// The server stopped before it answered.
    #[error("the server stopped: {0}")]
    Exit(ExitReason),
    /// A server asked itself: it would wait for its own answer.
    #[error("a server cannot send a system request to itself")]
    CallingSelf,
    /// The function given to [`replace_state`] panicked; the state is as it
    /// was.
    #[error("the state function panicked: {0}")]
    Panicked(Arc<str>),
}

/// What [`get_status`] tells of a server: `:sys.get_status/1`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Status {
    /// The server.
    pub id: ServerId,
    /// Its registered name, if it has one.
    pub name: Option<String>,
    /// Its type, as [`std::any::type_name`] gives it.
    pub type_name: &'static str,
    /// `true` while it is suspended.
    pub suspended: bool,
    /// `true` while its messages are traced.
    pub traced: bool,
    /// The messages waiting in its mailbox (calls, casts, info messages,
    /// timers, notices; not system requests).
    pub mailbox_len: usize,
    /// The messages it has taken from its mailbox so far, system requests
    /// aside; those held while it is suspended count once handled.
    pub messages_in: u64,
    /// How long it has been running.
    pub uptime: Duration,
    /// The server it is linked to as its child, if any.
    pub parent: Option<ServerId>,
    /// Its state, as [`format_state`] shows it.
    pub state: String,
}

/// What [`get_statistics`] tells: `:sys.statistics(pid, :get)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statistics {
    /// When the collection was turned on.
    pub since: SystemTime,
    /// Calls, casts and info messages handled since.
    pub messages_in: u64,
    /// Replies sent since by the generated dispatch (not those a handler
    /// sends itself through a [`ReplyTo`](crate::ReplyTo) it took).
    pub messages_out: u64,
}

/// One running server, as [`processes`] lists it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ProcessInfo {
    /// A handle to it; like any handle, it keeps the server reachable while
    /// it is held.
    pub server: AnyRef,
    /// Its identity.
    pub id: ServerId,
    /// Its registered name, if it has one.
    pub name: Option<String>,
    /// Its type, as [`std::any::type_name`] gives it.
    pub type_name: &'static str,
    /// The messages waiting in its mailbox, as in [`Status::mailbox_len`].
    pub mailbox_len: usize,
    /// The messages it has taken so far, as in [`Status::messages_in`].
    pub messages_in: u64,
    /// The server it is linked to as its child: its supervisor, or the
    /// server that started it with `start_link`.
    pub parent: Option<ServerId>,
    /// The other servers linked to it (the parent is not among them).
    pub links: Vec<ServerId>,
    /// How many monitors watch it (registries among them).
    pub monitors: usize,
    /// `true` while it is suspended.
    pub suspended: bool,
    /// How long it has been running.
    pub uptime: Duration,
}

/// Every running server, ordered by id: `Process.list/0` with each
/// server's `Process.info/1`. Read from each server's shared state without
/// asking it, so a busy or suspended server is listed like any other; the
/// table is locked a part at a time, never on the message path.
///
/// A server that no handle reaches any more, which stops as soon as its
/// mailbox is empty, is not listed: a handle from the list would keep it
/// running.
pub fn processes() -> Vec<ProcessInfo> {
    let mut all: Vec<ProcessInfo> = table::snapshot()
        .into_iter()
        .filter(|(process, _)| !process.is_closed())
        .filter_map(|(process, uptime)| {
            let links = process.links();
            Some(ProcessInfo {
                id: process.id(),
                name: process.name().map(str::to_owned),
                type_name: process.type_name(),
                mailbox_len: process.mailbox_len(),
                messages_in: process.messages_in(),
                parent: links.parent,
                links: links.linked,
                monitors: links.monitors,
                suspended: process.is_suspended(),
                uptime,
                server: AnyRef::try_retained(process)?,
            })
        })
        .collect();
    all.sort_unstable_by_key(|info| info.id);
    all
}

/// The server's state as its [`GenServer::format_state`] shows it (its
/// `Debug`, by default): `:sys.get_state/1` for any server, whatever its
/// type. Cut after 4 KiB.
pub async fn format_state(server: &impl ServerHandle) -> Result<String, SysError> {
    ask(&server.process(), |inspect| inspect.format_state()).await
}

/// A clone of the server's state: `:sys.get_state/1`.
///
/// A `Clone` that panics leaves the server running; the panic comes back as
/// [`SysError::Panicked`].
pub async fn get_state<T: GenServer + Clone>(server: &ServerRef<T>) -> Result<T, SysError> {
    ask(&server.process(), |inspect| {
        let state: &mut dyn Any = inspect.state();
        let state = state.downcast_ref::<T>().ok_or(SysError::NoProc)?;
        crate::panic::catch(|| state.clone())
            .map_err(|panicked| SysError::Panicked(panicked.message))
    })
    .await?
}

/// Replaces the server's state with what `replace` makes of it:
/// `:sys.replace_state/2`. If `replace` panics, the state is left as it
/// was, the server runs on, and the panic comes back as
/// [`SysError::Panicked`].
///
/// As in OTP, a request that timed out stays queued: the server replaces
/// its state when it gets to it.
pub async fn replace_state<T, F>(server: &ServerRef<T>, replace: F) -> Result<(), SysError>
where
    T: GenServer,
    F: FnOnce(&T) -> T + Send + 'static,
{
    ask(&server.process(), move |inspect| {
        let state: &mut dyn Any = inspect.state();
        let Some(state) = state.downcast_mut::<T>() else {
            return Err(SysError::NoProc);
        };
        let replaced = crate::panic::catch(|| replace(state))
            .map_err(|panicked| SysError::Panicked(panicked.message))?;
        // The old state's destructor is user code too.
        let old = std::mem::replace(state, replaced);
        crate::panic::catch_and_log("dropping a replaced state", move || drop(old));
        Ok(())
    })
    .await?
}

/// The server's status: `:sys.get_status/1`.
pub async fn get_status(server: &impl ServerHandle) -> Result<Status, SysError> {
    ask(&server.process(), |inspect| inspect.status()).await
}

/// Suspends the server: from now on it answers system requests only, and
/// its messages wait in the mailbox until [`resume`]. `:sys.suspend/1`.
///
/// A request to stop it is obeyed at once, without handling what waits.
pub async fn suspend(server: &impl ServerHandle) -> Result<(), SysError> {
    ask(&server.process(), |inspect| inspect.suspend(true)).await
}

/// Resumes a suspended server: it handles what waited, in order, then what
/// comes. `:sys.resume/1`.
pub async fn resume(server: &impl ServerHandle) -> Result<(), SysError> {
    ask(&server.process(), |inspect| inspect.suspend(false)).await
}

/// Turns tracing of the server's messages on or off: `:sys.trace/2`. While
/// on, each message in (field `request`, its `Debug`) and each reply the
/// generated dispatch sends out (field `reply`) is a `tracing` event at the
/// info level with the target `genserver::trace`, inside the server's span.
#[cfg(feature = "tracing")]
pub async fn trace(server: &impl ServerHandle, on: bool) -> Result<(), SysError> {
    ask(&server.process(), move |inspect| inspect.trace(on)).await
}

/// Turns the collection of statistics on (counting from zero) or off:
/// `:sys.statistics/2`.
pub async fn statistics(server: &impl ServerHandle, on: bool) -> Result<(), SysError> {
    ask(&server.process(), move |inspect| inspect.statistics(on)).await
}

/// The statistics collected since [`statistics`] turned them on, if it did.
pub async fn get_statistics(server: &impl ServerHandle) -> Result<Option<Statistics>, SysError> {
    ask(&server.process(), |inspect| inspect.get_statistics()).await
}

/// Sends `request` to the server as a system request and waits for its
/// answer.
async fn ask<R, F>(process: &Arc<dyn Process>, request: F) -> Result<R, SysError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn state::Inspect) -> R + Send + 'static,
{
    let address = Arc::as_ptr(process).cast::<()>();
    if context::is_current(address) {
        return Err(SysError::CallingSelf);
    }
    let (answer, answered) = oneshot::channel();
    let request: Request = Box::new(move |inspect| {
        let _ = answer.send(request(inspect));
    });
    if !process.system(request) {
        return Err(SysError::NoProc);
    }
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    match tokio::time::timeout_at(deadline, answered).await {
        Ok(Ok(answer)) => Ok(answer),
        // Dropped unanswered by a running server: the request panicked
        // (the user's `Debug`, say), and the server runs on.
        Ok(Err(_)) if !process.is_closed() => Err(SysError::Panicked(
            "the system request panicked inside the server".into(),
        )),
        // Dropped unanswered: the server stopped first.
        Ok(Err(_)) => match tokio::time::timeout_at(deadline, process.exit().wait()).await {
            Ok(reason) => Err(SysError::Exit(reason)),
            Err(_) => Err(SysError::Timeout),
        },
        Err(_) => Err(SysError::Timeout),
    }
}

/// The uptime of server `id`, from the table of running servers.
pub(crate) fn uptime(id: ServerId) -> Duration {
    table::uptime(id).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{SysError, ask};
    use crate::gen_server;
    use crate::process::sealed::Sealed as _;

    struct Probe;

    #[gen_server(crate = crate)]
    impl Probe {
        #[call]
        fn ping(&mut self) -> u8 {
            1
        }
    }

    /// The requests this module makes catch their own panics; one that does
    /// not is dropped unanswered by a server that runs on, and says so at
    /// once rather than waiting out the timeout for an end that is not coming.
    /// Run on a thread of its own and waited for with a limit: a server
    /// that spins (as a mutant of its loop can) blocks its runtime, and
    /// would hang the test rather than fail it.
    #[test]
    fn a_request_that_panics_inside_a_running_server_comes_back_as_panicked() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let server = Probe::start(Probe).await.unwrap();
                let asked = tokio::time::Instant::now();
                let answer: Result<(), SysError> =
                    ask(&server.process(), |_| panic!("a request that panics")).await;
                assert!(
                    matches!(&answer, Err(SysError::Panicked(message)) if message.contains("panicked")),
                    "{answer:?}"
                );
                assert!(
                    asked.elapsed() < super::TIMEOUT / 2,
                    "{:?}",
                    asked.elapsed()
                );
                assert_eq!(server.ping().await.unwrap(), 1);
            });
            let _ = done.send(());
        });
        finished
            .recv_timeout(super::TIMEOUT * 6)
            .expect("the test ran to its end (its thread panicked, or hangs)");
    }
}
