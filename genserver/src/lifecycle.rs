//! A server's life: start (in `start.rs`) and `init`, then the receive
//! loop (in `receive.rs`), `terminate`, and the clean-up that runs however
//! the server ends.

mod start;

pub use start::start;
pub(crate) use start::start_under;
use start::{InitFailure, Started, report};

use std::any::type_name;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Poll, ready};

use crate::context::Context;
use crate::mailbox::Envelope;
use crate::panic::{self, CatchUnwind};
use crate::server_ref::Inner;
use crate::show::State;
use crate::timer::Timers;
use crate::{Down, ExitReason, GenServer, receive, registry, report};

/// The body of a server's task: `init`, then the server's life.
///
/// Its size is every server's size on the heap, so it is kept small
/// (`tests/idle_heap.rs`; `-Zprint-type-sizes` on a nightly or with
/// `RUSTC_BOOTSTRAP=1` shows each state of it):
/// - `async` blocks, not `async fn`s: an `async fn` keeps its parameters
///   twice across every `.await`, as passed and as moved into its body
///   (112 bytes for the benchmarks' key-value server);
/// - two futures one after the other in one enum ([`Phases`]), rather than
///   one: a future keeps room for all it captured for as long as it runs,
///   even once moved out, and `init`'s argument (48 bytes for the
///   key-value server) would take room for the server's life. Boxing the
///   argument instead would cost every start an allocation, and leave a
///   freed hole in the heap per server.
fn run<T: GenServer>(
    arg: T::InitArg,
    guard: ExitGuard<T>,
    started: Started,
) -> impl Future<Output = ()> {
    Phases::Init {
        future: init::<T>(arg, guard, started),
        then: life::<T>,
    }
}

pin_project_lite::pin_project! {
    /// A future that runs `future`, then, if it gave a value, the future
    /// `then` makes of it, in the room the first one took.
    #[project = PhasesProj]
    enum Phases<I, F, L> {
        Init { #[pin] future: I, then: F },
        Life { #[pin] future: L },
    }
}

impl<I, A, F, L> Future for Phases<I, F, L>
where
    I: Future<Output = Option<A>>,
    F: Fn(A) -> L,
    L: Future<Output = ()>,
{
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        loop {
            match self.as_mut().project() {
                PhasesProj::Init { future, then } => {
                    let Some(alive) = ready!(future.poll(cx)) else {
                        return Poll::Ready(());
                    };
                    let life = then(alive);
                    self.set(Phases::Life { future: life });
                }
                PhasesProj::Life { future } => return future.poll(cx),
            }
        }
    }
}

/// `init`, and what its outcome means: the state and the guard once the
/// server is started; `None` if it is not (the starter has been told why).
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn keeps its parameters twice in the task"
)]
fn init<T: GenServer>(
    arg: T::InitArg,
    mut guard: ExitGuard<T>,
    started: Started,
) -> impl Future<Output = Option<Alive<T>>> {
    async move {
        let state = match CatchUnwind::new(T::init(arg, &mut guard.ctx)).await {
            Ok(Ok(Some(state))) => state,
            Ok(Ok(None)) => {
                guard.leave_parent();
                guard.finish(ExitReason::Normal);
                report(started, InitFailure::Ignore);
                return None;
            }
            Ok(Err(error)) => {
                guard.leave_parent();
                // Showing the error runs the user's `Display`: guarded.
                let shown =
                    panic::catch(|| format!("init failed: {error}")).unwrap_or_else(|panic| {
                        format!(
                            "init failed, and showing its error panicked: {}",
                            panic.message
                        )
                    });
                let reason = ExitReason::custom(shown);
                guard.crashed("init", &reason, None, None);
                guard.finish(reason);
                report(started, InitFailure::Error(Box::new(error)));
                return None;
            }
            Err(panicked) => {
                let reason = ExitReason::Panic(Arc::clone(&panicked.message));
                guard.leave_parent();
                guard.crashed("init", &reason, Some(&panicked), None);
                guard.finish(reason.clone());
                report(started, InitFailure::Exit(reason));
                return None;
            }
        };
        // Killed while `init` blocked its thread, the kill having published the
        // end in the task's stead: the start fails, and the task ends as a
        // cancelled one does, running no more of the user's code. (Returning
        // rather than awaiting its cancellation keeps what is live here out of
        // every server's task.)
        if let Some(reason) = ended_by_kill(&guard.ctx) {
            report(started, InitFailure::Exit(reason));
            return None;
        }
        // If the starter stopped waiting, the server runs on like any other: it
        // stops by itself once no handle to it is left.
        let _ = started.send(Ok(()));
        Some(Alive { state, guard })
    }
}

/// What a started server's task holds: its state and its guard. When the
/// task ends early (cancelled by a kill or its runtime's shutdown, or
/// returning after a kill), they are dropped in the order they are declared
/// here, the state first, then the guard, which publishes the end: whoever
/// sees the end (a kill waits for it) finds the state dropped. As one
/// struct, the task's future holds them as one value, dropped in this
/// order; held apart, the order they are dropped in is the compiler's.
struct Alive<T: GenServer> {
    state: T,
    guard: ExitGuard<T>,
}

/// The server's life once started: the receive loop, `terminate`, the end.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn keeps its parameters twice in the task"
)]
fn life<T: GenServer>(mut alive: Alive<T>) -> impl Future<Output = ()> {
    async move {
        // One panic guard around the whole loop rather than one per message: it
        // costs a little on every poll, so this way it is paid once per batch of
        // messages. A panic in a handler unwinds out of the loop, whose borrow of
        // the state then ends, and `terminate` gets the state as the panic left it.
        let receiving = receive::receive_loop(
            &mut alive.state,
            &mut alive.guard.ctx,
            &mut alive.guard.batch,
        );
        let (reason, panicked) = match CatchUnwind::new(receiving).await {
            Ok(reason) => (reason, None),
            Err(panicked) => (
                ExitReason::Panic(Arc::clone(&panicked.message)),
                Some(panicked),
            ),
        };
        // As above: after a kill, `terminate` does not run.
        if ended_by_kill(&alive.guard.ctx).is_some() {
            return;
        }
        // The report shows the state as it was when the server stopped, before
        // `terminate`, as OTP's does. Boxed: what is kept across `terminate`
        // is part of every server's task.
        let mut crash = (!reason.is_normal()).then(|| {
            Box::new(Crash {
                during: "a handler",
                state: report::debug(&State(&alive.state)),
                panicked,
            })
        });
        let reason = match CatchUnwind::new(alive.state.terminate(&reason)).await {
            Ok(()) => reason,
            Err(in_terminate) => {
                let crash = crash.get_or_insert_with(|| {
                    Box::new(Crash {
                        during: "terminate",
                        state: report::debug(&State(&alive.state)),
                        panicked: None,
                    })
                });
                crash.during = "terminate";
                let reason = ExitReason::Panic(Arc::clone(&in_terminate.message));
                crash.panicked = Some(in_terminate);
                reason
            }
        };
        // No `.await` from here on.
        let Alive { state, mut guard } = alive;
        if let Some(crash) = crash {
            let Crash {
                during,
                state: shown,
                panicked,
            } = *crash;
            guard.crashed(during, &reason, panicked.as_ref(), Some(shown));
        }
        // `{:stop, reason, reply, state}`: the reply goes once `terminate` has
        // run, whether or not it panicked.
        for reply in guard.ctx.take_replies() {
            panic::catch_and_log("sending a reply", reply);
        }
        let reason = match panic::catch(move || drop(state)) {
            Ok(()) => reason,
            Err(in_drop) => {
                let reason = ExitReason::Panic(Arc::clone(&in_drop.message));
                guard.crashed("dropping the state", &reason, Some(&in_drop), None);
                reason
            }
        };
        guard.finish(reason);
    }
}

/// The reason a kill published for the server, if it did so in the place of
/// a task that blocked its thread (see [`crate::process::kill`]). The task has
/// been aborted: it is cancelled at its next `.await`, or ends first.
pub(crate) fn ended_by_kill<T: GenServer>(ctx: &Context<T>) -> Option<ExitReason> {
    let server = ctx.server();
    if server.is_ending() {
        Some(server.exit.get().cloned().unwrap_or(ExitReason::Killed))
    } else {
        None
    }
}

/// A crash to report once `terminate` has run.
struct Crash {
    during: &'static str,
    /// The state, shown.
    state: String,
    panicked: Option<panic::Panicked>,
}

/// Holds a server's context for its task, with the batch of messages the
/// receive loop took from the mailbox, and makes sure the server's end is
/// published exactly once, also when its task is cancelled and never finishes.
struct ExitGuard<T: GenServer> {
    ctx: Context<T>,
    batch: VecDeque<Envelope<T>>,
    finished: bool,
}

impl<T: GenServer> ExitGuard<T> {
    /// Reports the server's abnormal end, unless `reason` is orderly.
    fn crashed(
        &self,
        during: &'static str,
        reason: &ExitReason,
        panicked: Option<&panic::Panicked>,
        state: Option<String>,
    ) {
        let server = self.ctx.server();
        let crashed = report::Crashed {
            id: server.id,
            name: server.name.as_deref(),
            type_name: type_name::<T>(),
            during,
        };
        let message = self.ctx.sys().and_then(|sys| sys.tracking.last_message());
        crashed.report(reason, panicked, message, state);
    }

    /// Unlinks from the parent after a failed `init`, whose failure reaches
    /// the parent as the start's error, not as an exit signal.
    fn leave_parent(&self) {
        let server = self.ctx.server();
        if let Some((_, parent)) = server.mailbox.leave_parent()
            && let Some(parent) = parent.upgrade()
        {
            parent.remove_link(server.id);
        }
    }

    /// Publishes the server's end (see [`publish_end`]) unless a kill has
    /// done it already, then drops what the task still holds: the batch
    /// of messages it took, and the context's requests.
    fn finish(&mut self, reason: ExitReason) {
        self.finished = true;
        let queued = publish_end(self.ctx.server(), reason);
        // Dropping a queued message runs its arguments' destructors, which
        // are user code: a panic there must not escape into the runtime.
        let batch = std::mem::take(&mut self.batch);
        let requests = self.ctx.take_requests();
        panic::catch_and_log("dropping the queued messages", move || {
            drop((batch, queued, requests));
        });
    }
}

/// What a closed mailbox still held: the queue and the timers.
pub(crate) type Leftovers<T> = (
    VecDeque<Envelope<T>>,
    Option<Box<Timers<<T as GenServer>::Info>>>,
);

/// Publishes the end of `server`, once, in an order every observer can rely
/// on, and returns what its mailbox still held, for the caller to drop
/// under the panic guard; `None` if it was published already:
/// 1. the name is freed and the registries forget the server, so that
///    no lookup finds a server that refuses messages;
/// 2. the mailbox closes, so every later call or cast gets `NoProc`;
/// 3. the watchers are told (down notices to the servers that monitor
///    it, registries forget it), then the exit signal goes along every
///    link;
/// 4. the exit reason is set and everyone waiting for it is woken
///    (`stop`, and callers whose reply slot was dropped by a panic);
/// 5. requests still queued, timers and the context's requests are
///    dropped (by the caller), and the callers of queued calls read the
///    reason.
///
/// The server's task does this as it ends; a kill does it in the task's
/// stead when the task blocks its thread (see [`crate::process::kill`]).
#[must_use = "what the mailbox held is dropped under the panic guard"]
pub(crate) fn publish_end<T: GenServer>(
    server: &Inner<T>,
    reason: ExitReason,
) -> Option<Leftovers<T>> {
    if server.mailbox.ending.swap(true, Ordering::AcqRel) {
        return None;
    }
    // The name first: no one can find by it a server that refuses
    // messages, and a caller that gets `NoProc` finds the name free.
    if let Some(name) = server.name.as_deref() {
        registry::unregister(name, server.id);
    }
    // So are its registries' entries. (A registry that registers it
    // meanwhile hears of its end with the other watchers, below.)
    for (monitor, registry) in server.mailbox.take_registries() {
        registry.down(Down {
            monitor,
            id: server.id,
            reason: reason.clone(),
        });
    }
    let (queued, timers, links) = server.mailbox.close();
    // Notices first: whoever sees the reason (a caller, a task waiting
    // on `exited`) can count on the supervisor and the watchers having
    // theirs in their mailboxes already.
    if let Some(links) = links {
        links.propagate(server.id, &reason);
    }
    server.exit.set(reason);
    Some((queued, timers))
}

impl<T: GenServer> Drop for ExitGuard<T> {
    fn drop(&mut self) {
        if !self.finished {
            // The task was cancelled: killed (by an exit signal, with its
            // reason), or its runtime shut down. `terminate` cannot run
            // without its task.
            let reason = self.ctx.server().mailbox.kill_reason();
            self.finish(reason.unwrap_or(ExitReason::Killed));
        }
    }
}
