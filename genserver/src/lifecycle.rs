//! A server's life: start and `init`, the receive loop, `terminate`, and the
//! clean-up that runs however the server ends.

use std::collections::VecDeque;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::task::{Poll, ready};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::context::{self, Context};
use crate::exit::ExitSignal;
use crate::keyed::{Registry, RegistryError, Via, ViaName};
use crate::mailbox::{self, Envelope, Mailbox, Recv};
use crate::panic::{self, CatchUnwind};
use crate::process::Process;
use crate::registry::{self, Taken};
use crate::server_ref::{Inner, RawRef};
use crate::timer::Taken as TimerTaken;
use crate::{AnyRef, ExitReason, GenServer, ServerId, ServerRef, StartError};
use crate::{link, process};

/// How to start a server: the options of `GenServer.start/3`.
///
/// ```
/// # use genserver::prelude::*;
/// # use std::time::Duration;
/// # #[derive(Default)] struct Cache;
/// # #[gen_server] impl Cache { #[cast] fn clear(&mut self) {} }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let options = StartOptions::new().name("cache").timeout(Duration::from_secs(1));
/// let cache = Cache::start_with(options, Cache).await?;
/// assert_eq!(cache.name(), Some("cache"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    name: Option<String>,
    timeout: Option<Duration>,
    link: bool,
    via: Option<ViaOption>,
}

/// A via name, shown by its key.
#[derive(Clone)]
struct ViaOption(Arc<dyn Via>);

impl std::fmt::Debug for ViaOption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Via").field(&self.0.describe()).finish()
    }
}

impl StartOptions {
    /// No name, no timeout: what `start` uses.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the server under `name` before `init` runs: `name:`.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Gives `init` at most `timeout`: `timeout:`. An `init` that overruns it
    /// is killed, and start returns [`StartError::Timeout`] with the name
    /// free again. By default `init` may take as long as it needs (OTP's
    /// default is `:infinity` too).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Registers the server in `registry` under `key` before `init` runs:
    /// `name: {:via, Registry, {registry, key}}`. The entry goes when the
    /// server stops; a supervisor that restarts it registers it again.
    /// A taken key fails the start like a taken name.
    ///
    /// # Panics
    ///
    /// If `registry` has duplicate keys, which cannot name a server.
    #[must_use]
    pub fn via<K, V>(self, registry: &Registry<K, V>, key: K) -> Self
    where
        K: Hash + Eq + Clone + Send + Sync + std::fmt::Debug + 'static,
        V: Clone + Default + Send + Sync + 'static,
    {
        self.via_with_value(registry, key, V::default())
    }

    /// As [`via`](Self::via), with the entry's value:
    /// `{:via, Registry, {registry, key, value}}`.
    ///
    /// # Panics
    ///
    /// If `registry` has duplicate keys, which cannot name a server (Elixir
    /// raises an `ArgumentError`); so does [`via`](Self::via).
    #[must_use]
    pub fn via_with_value<K, V>(mut self, registry: &Registry<K, V>, key: K, value: V) -> Self
    where
        K: Hash + Eq + Clone + Send + Sync + std::fmt::Debug + 'static,
        V: Clone + Send + Sync + 'static,
    {
        assert!(
            registry.keys_kind() == crate::Keys::Unique,
            "a via name needs a registry with unique keys, not duplicate ones"
        );
        let name = ViaName {
            registry: registry.clone(),
            key,
            value,
        };
        self.via = Some(ViaOption(Arc::new(name)));
        self
    }

    /// Links the new server to the server that starts it, which becomes its
    /// parent: `start_link`. The link is made before `init` runs; if `init`
    /// fails, it is removed first, so that the failure reaches the parent as
    /// the start's error, not as an exit signal. Outside a server (in a
    /// plain task), there is nothing to link to and this does nothing.
    #[must_use]
    pub fn link(mut self) -> Self {
        self.link = true;
        self
    }
}

/// How `init` failed, as reported from the new task to its starter.
enum InitFailure<E> {
    Error(E),
    Exit(ExitReason),
    Ignore,
}

/// Starts a server of type `T` with `options`, and returns once its `init`
/// has finished.
#[doc(hidden)]
pub async fn start<T: GenServer>(
    options: StartOptions,
    arg: T::InitArg,
) -> Result<ServerRef<T>, StartError<T>> {
    let parent = options.link.then(context::current_process).flatten();
    start_under(options, arg, parent).await
}

/// Starts a server linked to `parent`, if any: what a supervisor's child
/// specs do, also from outside the supervisor's task.
pub(crate) async fn start_under<T: GenServer>(
    options: StartOptions,
    arg: T::InitArg,
    parent: Option<Arc<dyn Process>>,
) -> Result<ServerRef<T>, StartError<T>> {
    let Ok(runtime) = Handle::try_current() else {
        return Err(StartError::NoRuntime);
    };
    let id = ServerId::next();
    let inner = Arc::new(Inner {
        id,
        name: options.name.map(String::into_boxed_str),
        handles: AtomicUsize::new(1),
        mailbox: Mailbox::new(),
        exit: ExitSignal::new(),
    });
    let server: ServerRef<T> = ServerRef::from_raw(RawRef::first(inner));
    if let Some(name) = server.name() {
        // The name is taken before `init` runs, as in OTP, so that two
        // concurrent starts under one name cannot both run `init`.
        registry::register(name, &server).map_err(|taken| match taken {
            Taken::SameType(existing) => StartError::AlreadyStarted(existing),
            Taken::OtherType => StartError::NameInUse(name.to_owned()),
        })?;
    }
    if let Some(ViaOption(via)) = &options.via {
        if let Err(error) = via.register(&AnyRef::from(server.clone())) {
            if let Some(name) = server.name() {
                registry::unregister(name, id);
            }
            return Err(match error {
                RegistryError::AlreadyRegistered(existing) => existing.downcast::<T>().map_or_else(
                    |_| StartError::NameInUse(via.describe()),
                    StartError::AlreadyStarted,
                ),
                RegistryError::NoProc => StartError::NameInUse(via.describe()),
            });
        }
    }
    if let Some(parent) = &parent {
        link::link_parent(parent, server.raw().inner());
    }
    let guard = ExitGuard {
        ctx: Context::new(Arc::clone(server.raw().inner())),
        batch: VecDeque::new(),
        finished: false,
    };
    let (started, init_done) = oneshot::channel();
    let weak = process::weak_of(server.raw().inner());
    let task = runtime.spawn(context::scope(weak, run::<T>(arg, guard, started)));
    server.raw().inner().mailbox.set_task(task.abort_handle());
    let outcome = match options.timeout {
        None => init_done.await,
        Some(timeout) => {
            if let Ok(outcome) = tokio::time::timeout(timeout, init_done).await {
                outcome
            } else {
                // Killed: cancelled at its next `.await`, once unlinked so
                // that its death does not reach the parent. The name is
                // freed now, so that it is free when this returns even if
                // `init` blocks its thread.
                if let Some(parent) = &parent {
                    parent.remove_link(id);
                    server.raw().inner().mailbox.remove_link(parent.id());
                }
                task.abort();
                if let Some(name) = server.name() {
                    registry::unregister(name, id);
                }
                return Err(StartError::Timeout);
            }
        }
    };
    match outcome {
        Ok(Ok(())) => Ok(server),
        Ok(Err(failure)) => {
            // The task ends right after reporting; wait so that none is left.
            let _ = task.await;
            Err(match failure {
                InitFailure::Error(error) => StartError::Init(error),
                InitFailure::Exit(reason) => StartError::Exit(reason),
                InitFailure::Ignore => StartError::Ignore,
            })
        }
        Err(_) => {
            // The task was cancelled during `init` (killed, or its runtime shut down).
            let _ = task.await;
            Err(StartError::Exit(
                server.exit_reason().unwrap_or(ExitReason::Killed),
            ))
        }
    }
}

/// Tells the starter how `init` failed. If it stopped waiting, the failure
/// is dropped here, under the panic guard: the error's destructor is user
/// code.
fn report<E>(started: oneshot::Sender<Result<(), InitFailure<E>>>, failure: InitFailure<E>) {
    if let Err(unsent) = started.send(Err(failure)) {
        let _ = panic::catch(move || drop(unsent));
    }
}

/// The body of a server's task.
async fn run<T: GenServer>(
    arg: T::InitArg,
    mut guard: ExitGuard<T>,
    started: oneshot::Sender<Result<(), InitFailure<T::InitError>>>,
) {
    let mut state = match CatchUnwind::new(T::init(arg, &mut guard.ctx)).await {
        Ok(Ok(Some(state))) => state,
        Ok(Ok(None)) => {
            guard.leave_parent();
            guard.finish(ExitReason::Normal);
            report(started, InitFailure::Ignore);
            return;
        }
        Ok(Err(error)) => {
            guard.leave_parent();
            // Showing the error runs the user's `Display`: guarded.
            let shown = panic::catch(|| format!("init failed: {error}")).unwrap_or_else(|panic| {
                format!("init failed, and showing its error panicked: {panic}")
            });
            guard.finish(ExitReason::custom(shown));
            report(started, InitFailure::Error(error));
            return;
        }
        Err(message) => {
            let reason = ExitReason::Panic(message);
            guard.leave_parent();
            guard.finish(reason.clone());
            report(started, InitFailure::Exit(reason));
            return;
        }
    };
    // If the starter stopped waiting, the server runs on like any other: it
    // stops by itself once no handle to it is left.
    let _ = started.send(Ok(()));

    // One panic guard around the whole loop rather than one per message: it
    // costs a little on every poll, so this way it is paid once per batch of
    // messages. A panic in a handler unwinds out of the loop, whose borrow of
    // the state then ends, and `terminate` gets the state as the panic left it.
    let ExitGuard { ctx, batch, .. } = &mut guard;
    let reason = match CatchUnwind::new(receive_loop(&mut state, ctx, batch)).await {
        Ok(reason) => reason,
        Err(message) => ExitReason::Panic(message),
    };
    let reason = match CatchUnwind::new(state.terminate(&reason)).await {
        Ok(()) => reason,
        Err(message) => ExitReason::Panic(message),
    };
    // `{:stop, reason, reply, state}`: the reply goes once `terminate` has
    // run, whether or not it panicked.
    for reply in guard.ctx.take_replies() {
        let _ = panic::catch(reply);
    }
    let reason = match panic::catch(move || drop(state)) {
        Ok(()) => reason,
        Err(message) => ExitReason::Panic(message),
    };
    guard.finish(reason);
}

/// What the server handles next.
enum Next<T: GenServer> {
    Message(T::Message),
    Info(T::Info),
    Stop(ExitReason),
    /// Every handle is gone and the mailbox is empty.
    Unreachable,
}

/// Handles one message at a time until the server must stop; returns why.
async fn receive_loop<T: GenServer>(
    state: &mut T,
    ctx: &mut Context<T>,
    batch: &mut VecDeque<Envelope<T>>,
) -> ExitReason {
    loop {
        // What the last callback (or `init`) asked for, if anything: a stop
        // wins; a continue runs before anything in the mailbox.
        if ctx.take_asked() {
            if let Some(reason) = ctx.take_stop() {
                return reason;
            }
            if let Some(info) = ctx.take_continue() {
                state.handle_info(info, ctx).await;
                continue;
            }
            if ctx.take_hibernate() {
                ctx.server().mailbox.release(batch);
            }
            ctx.begin_wait();
        }
        match (Receive { ctx, batch }).await {
            Next::Message(message) => state.handle_message(message, ctx).await,
            Next::Info(info) => state.handle_info(info, ctx).await,
            Next::Stop(reason) => return reason,
            Next::Unreachable => return ExitReason::Normal,
        }
    }
}

/// Waits for what the server handles next: a message, an info message (sent,
/// from a timer, or the idle timeout's), or a stop request. A plain struct
/// of two references, rather than an `async fn`, keeps every server's task
/// small: what a wait needs beyond them lives in the context's requests,
/// which only servers that use timeouts allocate.
struct Receive<'a, T: GenServer> {
    ctx: &'a mut Context<T>,
    batch: &'a mut VecDeque<Envelope<T>>,
}

impl<T: GenServer> Future for Receive<'_, T> {
    type Output = Next<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Next<T>> {
        let Receive { ctx, batch } = self.get_mut();
        loop {
            // Within a batch, neither timers nor the idle timeout need a look.
            let received = if batch.is_empty() {
                ready!(poll_next(ctx, batch, cx))
            } else {
                ready!(mailbox::poll_batch(batch, cx)).map(Recv::Envelope)
            };
            let next = match received {
                // The idle timeout: no message came in time.
                None => match ctx.take_idle_info() {
                    Some(info) => Next::Info(info),
                    None => unreachable!("only an armed idle timeout fires"),
                },
                Some(Recv::Envelope(Envelope::Message(message))) => Next::Message(message),
                Some(Recv::Envelope(Envelope::Info(info))) => Next::Info(info),
                Some(Recv::Envelope(Envelope::Stop(reason))) => Next::Stop(reason),
                Some(Recv::Envelope(Envelope::Down(down))) => {
                    match ctx.server().mailbox.take_down(*down) {
                        Some(info) => Next::Info(info),
                        // Demonitored after the notice arrived.
                        None => continue,
                    }
                }
                Some(Recv::Envelope(Envelope::Timer(key))) => {
                    let mailbox = &ctx.server().mailbox;
                    match mailbox.take_timer(key) {
                        Some(TimerTaken::Message(info)) => Next::Info(info),
                        Some(TimerTaken::Maker(mut make)) => {
                            let info = make();
                            mailbox.restore_timer(key, make);
                            Next::Info(info)
                        }
                        // Cancelled after it expired: as if it had never been
                        // sent, so it does not end the idle wait either.
                        None => continue,
                    }
                }
                Some(Recv::Unreachable) => Next::Unreachable,
                Some(Recv::Empty { .. }) => {
                    unreachable!("poll_next waits while the mailbox is empty")
                }
            };
            // Something arrived: the idle timeout is off.
            ctx.end_wait();
            return Poll::Ready(next);
        }
    }
}

/// Polls the mailbox, first firing the timers and the idle timeout that are
/// due; `Ready(None)` when the idle timeout fires.
fn poll_next<T: GenServer>(
    ctx: &mut Context<T>,
    batch: &mut VecDeque<Envelope<T>>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Option<Recv<T>>> {
    let idle_at = ctx.idle_deadline();
    let mut idle_due = false;
    let mut fired_at = None;
    // Called between batches only: under load, a timer's token joins the
    // queue after the current batch.
    let mut woken_at = ctx.poll_wake_up(cx);
    loop {
        // Timers due by now join the queue first, in the same lock.
        let expire = woken_at.take().map(|woken_at| Instant::now().max(woken_at));
        if let Some(now) = expire {
            idle_due = idle_at.is_some_and(|at| at <= now);
            fired_at = Some(now);
        }
        let (next_timer, oversized) = match ctx.server().mailbox.poll_recv(batch, expire, cx) {
            Poll::Ready(Recv::Empty {
                next_timer,
                oversized,
            }) => (next_timer, oversized),
            Poll::Ready(recv) => return Poll::Ready(Some(recv)),
            // Out of cooperative budget: tokio wakes the task again soon.
            Poll::Pending => return Poll::Pending,
        };
        // Nothing is waiting: only now may the idle timeout fire, so that a
        // timeout of zero loses to a message already there.
        if idle_due {
            return Poll::Ready(None);
        }
        // Empty, but holding what a burst left: give it back once the
        // mailbox has stayed empty for a while.
        let mut release_at = None;
        if oversized {
            release_at = ctx.release_check(fired_at);
            if release_at.is_none() {
                ctx.server().mailbox.release(batch);
                ctx.released();
                continue;
            }
        }
        let wake_at = [idle_at, next_timer, release_at]
            .into_iter()
            .flatten()
            .min();
        let Some(wake_at) = wake_at else {
            return Poll::Pending;
        };
        woken_at = ctx.arm_wake_up(wake_at, cx);
        if woken_at.is_none() {
            return Poll::Pending;
        }
        // Already due: fire it, then look at the mailbox again.
    }
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
    /// Unlinks from the parent after a failed `init`, whose failure reaches
    /// the parent as the start's error, not as an exit signal.
    fn leave_parent(&self) {
        let server = self.ctx.server();
        if let Some((_, parent)) = server.mailbox.leave_parent() {
            if let Some(parent) = parent.upgrade() {
                parent.remove_link(server.id);
            }
        }
    }

    /// Publishes the server's end, in an order every observer can rely on:
    /// 1. the name is freed, so that no lookup finds a server that refuses
    ///    messages;
    /// 2. the mailbox closes, so every later call or cast gets `NoProc`;
    /// 3. the watchers are told (down notices to the servers that monitor
    ///    it, registries forget it), then the exit signal goes along every
    ///    link;
    /// 4. the exit reason is set and everyone waiting for it is woken
    ///    (`stop`, and callers whose reply slot was dropped by a panic);
    /// 5. requests still queued, timers and the context's requests are
    ///    dropped, and the callers of queued calls read the reason.
    fn finish(&mut self, reason: ExitReason) {
        self.finished = true;
        let server = Arc::clone(self.ctx.server());
        // The name first: no one can find by it a server that refuses
        // messages, and a caller that gets `NoProc` finds the name free.
        if let Some(name) = &server.name {
            registry::unregister(name, server.id);
        }
        let (queued, timers, links) = server.mailbox.close();
        // Notices first: whoever sees the reason (a caller, a task waiting
        // on `exited`) can count on the supervisor and the watchers having
        // theirs in their mailboxes already.
        if let Some(links) = links {
            let _ = panic::catch(|| links.propagate(server.id, &reason));
        }
        server.exit.set(reason);
        // Dropping a queued message runs its arguments' destructors, which
        // are user code: a panic there must not escape into the runtime.
        let queued = (queued, timers);
        let batch = std::mem::take(&mut self.batch);
        let requests = self.ctx.take_requests();
        let _ = panic::catch(move || drop((batch, queued, requests)));
    }
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
