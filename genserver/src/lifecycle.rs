//! A server's life: start and `init`, the receive loop, `terminate`, and the
//! clean-up that runs however the server ends.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, OnceLock};

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::exit::ExitSignal;
use crate::mailbox::{Envelope, Mailbox};
use crate::panic::{self, CatchUnwind};
use crate::registry::{self, Taken};
use crate::server_ref::{Inner, RawRef};
use crate::{ExitReason, GenServer, ServerId, ServerRef, StartError};

tokio::task_local! {
    /// The server whose task is running, for `CallingSelf` detection.
    static CURRENT: ServerId;
}

/// The server the current task belongs to, if any.
pub(crate) fn current_server() -> Option<ServerId> {
    CURRENT.try_with(|id| *id).ok()
}

/// How `init` failed, as reported from the new task to its starter.
enum InitFailure<E> {
    Error(E),
    Exit(ExitReason),
}

/// Starts a server of type `T`, registered under `name` if one is given, and
/// returns once its `init` has finished.
#[doc(hidden)]
pub async fn start<T: GenServer>(
    name: Option<&str>,
    arg: T::InitArg,
) -> Result<ServerRef<T>, StartError<T>> {
    let Ok(runtime) = Handle::try_current() else {
        return Err(StartError::NoRuntime);
    };
    let id = ServerId::next();
    let inner = Arc::new(Inner {
        id,
        name: name.map(Box::from),
        handles: AtomicUsize::new(1),
        mailbox: Mailbox::new(),
        exit: ExitSignal::new(),
        task: OnceLock::new(),
    });
    let server = ServerRef::from_raw(RawRef::first(inner));
    if let Some(name) = name {
        // The name is taken before `init` runs, as in OTP, so that two
        // concurrent starts under one name cannot both run `init`.
        registry::register(name, &server).map_err(|taken| match taken {
            Taken::SameType(existing) => StartError::AlreadyStarted(existing),
            Taken::OtherType => StartError::NameInUse(name.to_owned()),
        })?;
    }
    let guard = ExitGuard {
        server: Arc::clone(server.raw().inner()),
        batch: VecDeque::new(),
        finished: false,
    };
    let (started, init_done) = oneshot::channel();
    let task = runtime.spawn(CURRENT.scope(id, run::<T>(arg, guard, started)));
    // Only this function sets it, once.
    let _ = server.raw().inner().task.set(task.abort_handle());
    match init_done.await {
        Ok(Ok(())) => Ok(server),
        Ok(Err(failure)) => {
            // The task ends right after reporting; wait so that none is left.
            let _ = task.await;
            Err(match failure {
                InitFailure::Error(error) => StartError::Init(error),
                InitFailure::Exit(reason) => StartError::Exit(reason),
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

/// The body of a server's task.
async fn run<T: GenServer>(
    arg: T::InitArg,
    mut guard: ExitGuard<T>,
    started: oneshot::Sender<Result<(), InitFailure<T::InitError>>>,
) {
    let mut state = match CatchUnwind::new(T::init(arg)).await {
        Ok(Ok(state)) => state,
        Ok(Err(error)) => {
            guard.finish(ExitReason::custom(format!("init failed: {error}")));
            let _ = started.send(Err(InitFailure::Error(error)));
            return;
        }
        Err(message) => {
            let reason = ExitReason::Panic(message);
            guard.finish(reason.clone());
            let _ = started.send(Err(InitFailure::Exit(reason)));
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
    let ExitGuard { server, batch, .. } = &mut guard;
    let reason = match CatchUnwind::new(receive_loop(&mut state, &server.mailbox, batch)).await {
        Ok(reason) => reason,
        Err(message) => ExitReason::Panic(message),
    };
    let reason = match CatchUnwind::new(state.terminate(&reason)).await {
        Ok(()) => reason,
        Err(message) => ExitReason::Panic(message),
    };
    let reason = match panic::catch(move || drop(state)) {
        Ok(()) => reason,
        Err(message) => ExitReason::Panic(message),
    };
    guard.finish(reason);
}

/// Handles one envelope at a time until the server must stop; returns why.
async fn receive_loop<T: GenServer>(
    state: &mut T,
    mailbox: &Mailbox<T::Message>,
    batch: &mut VecDeque<Envelope<T::Message>>,
) -> ExitReason {
    loop {
        let Some(envelope) = poll_fn(|cx| mailbox.poll_recv(batch, cx)).await else {
            // Every handle is gone and the mailbox is empty: nobody can reach
            // the server any more.
            return ExitReason::Normal;
        };
        match envelope {
            Envelope::Message(message) => state.handle_message(message).await,
            Envelope::Stop(reason) => return reason,
        }
    }
}

/// Holds a server's shared state for its task, with the batch of messages
/// the receive loop took from the mailbox, and makes sure the server's end is
/// published exactly once, also when its task is cancelled and never finishes.
struct ExitGuard<T: GenServer> {
    server: Arc<Inner<T>>,
    batch: VecDeque<Envelope<T::Message>>,
    finished: bool,
}

impl<T: GenServer> ExitGuard<T> {
    /// Publishes the server's end, in an order every observer can rely on:
    /// 1. the mailbox closes, so every later call or cast gets `NoProc`;
    /// 2. the name is freed;
    /// 3. the exit reason is set and everyone waiting for it is woken
    ///    (`stop`, and callers whose reply slot was dropped by a panic);
    /// 4. requests still queued are dropped, and their callers read the reason.
    fn finish(&mut self, reason: ExitReason) {
        self.finished = true;
        let queued = self.server.mailbox.close();
        if let Some(name) = &self.server.name {
            registry::unregister(name, self.server.id);
        }
        self.server.exit.set(reason);
        // Dropping a queued message runs its arguments' destructors, which
        // are user code: a panic there must not escape into the runtime.
        let batch = std::mem::take(&mut self.batch);
        let _ = panic::catch(move || drop((batch, queued)));
    }
}

impl<T: GenServer> Drop for ExitGuard<T> {
    fn drop(&mut self) {
        if !self.finished {
            // The task was cancelled: killed after a stop timeout, or its
            // runtime shut down. `terminate` cannot run without its task.
            self.finish(ExitReason::Killed);
        }
    }
}
