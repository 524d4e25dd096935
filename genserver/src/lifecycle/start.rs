//! Starting a server: its name taken, its task spawned, and the wait for
//! its `init`, which the new task reports on a channel.

use std::any::{Any, type_name};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{ExitGuard, run};
use crate::context::{self, Context};
use crate::keyed::RegistryError;
use crate::options::ViaOption;
use crate::panic;
use crate::process::Process;
use crate::registry::{self, Taken};
use crate::server_ref::{Inner, RawRef};
use crate::{AnyRef, ExitReason, GenServer, ServerId, ServerRef, StartError, StartOptions};
use crate::{deadline, link, report, sys};

/// How `init` failed, as reported from the new task to its starter: its
/// error untyped (boxed, on this path only), so that the starter's wait is
/// the same code for every server type; [`start_under`] takes it back.
pub(super) enum InitFailure {
    Error(Box<dyn Any + Send>),
    Exit(ExitReason),
    Ignore,
}

/// Where the new task reports the outcome of `init`.
pub(super) type Started = oneshot::Sender<Result<(), InitFailure>>;

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
    panic::install_hook();
    let id = ServerId::next();
    let inner = Arc::new(Inner::new(id, options.name, deadline::of_runtime(&runtime)));
    let server: ServerRef<T> = ServerRef::from_raw(RawRef::first(inner));
    if let Some(name) = server.name() {
        // The name is taken before `init` runs, as in OTP, so that two
        // concurrent starts under one name cannot both run `init`.
        registry::register(name, &server).map_err(|taken| match taken {
            Taken::SameType(existing) => StartError::AlreadyStarted(existing),
            Taken::OtherType => StartError::NameInUse(name.to_owned()),
        })?;
    }
    if let Some(ViaOption(via)) = &options.via
        && let Err(error) = via.register(&AnyRef::from(server.clone()))
    {
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
    if let Some(parent) = &parent {
        link::link_parent(parent, server.raw().inner());
    }
    let guard = ExitGuard {
        ctx: Context::new(Arc::clone(server.raw().inner())),
        batch: VecDeque::new(),
        finished: false,
    };
    let (started, init_done) = oneshot::channel();
    let process: Arc<dyn Process> = Arc::clone(server.raw().inner()) as _;
    sys::table::insert(id, Arc::downgrade(&process));
    let task = report::in_span(
        run::<T>(arg, guard, started),
        id,
        server.name(),
        type_name::<T>(),
    );
    let address = Arc::as_ptr(server.raw().inner()).cast();
    let task = runtime.spawn(context::scope(id, address, task));
    server.raw().inner().mailbox.set_task(task.abort_handle());
    match wait_for_init(init_done, task, options.timeout, &process, parent.as_ref()).await {
        Ok(()) => Ok(server),
        Err(Failed::Init(InitFailure::Error(error))) => Err(error
            .downcast::<T::InitError>()
            .map_or(StartError::Exit(ExitReason::Killed), |error| {
                StartError::Init(*error)
            })),
        Err(Failed::Init(InitFailure::Exit(reason))) => Err(StartError::Exit(reason)),
        Err(Failed::Init(InitFailure::Ignore)) => Err(StartError::Ignore),
        Err(Failed::Timeout) => Err(StartError::Timeout),
    }
}

/// Why a start failed, as far as waiting for `init` tells.
enum Failed {
    Init(InitFailure),
    Timeout,
}

/// Waits for the new task to report how `init` went, within `timeout`:
/// the part of a start that is the same for every server type.
async fn wait_for_init(
    init_done: oneshot::Receiver<Result<(), InitFailure>>,
    task: JoinHandle<()>,
    timeout: Option<Duration>,
    server: &Arc<dyn Process>,
    parent: Option<&Arc<dyn Process>>,
) -> Result<(), Failed> {
    let outcome = match timeout {
        None => init_done.await,
        Some(timeout) => {
            if let Ok(outcome) = tokio::time::timeout(timeout, init_done).await {
                outcome
            } else {
                // Killed: cancelled at its next `.await`, once unlinked so
                // that its death does not reach the parent. The name is
                // freed now, so that it is free when this returns even if
                // `init` blocks its thread.
                if let Some(parent) = parent {
                    parent.remove_link(server.id());
                    server.remove_link(parent.id());
                }
                task.abort();
                if let Some(name) = server.name() {
                    registry::unregister(name, server.id());
                }
                return Err(Failed::Timeout);
            }
        }
    };
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(failure)) => {
            // The task ends right after reporting; wait so that none is left.
            let _ = task.await;
            Err(Failed::Init(failure))
        }
        Err(_) => {
            // The task was cancelled during `init` (killed, or its runtime shut down).
            let _ = task.await;
            let reason = server.exit().get().cloned().unwrap_or(ExitReason::Killed);
            Err(Failed::Init(InitFailure::Exit(reason)))
        }
    }
}

/// Tells the starter how `init` failed. If it stopped waiting, the failure
/// is dropped here, under the panic guard: the error's destructor is user
/// code.
pub(super) fn report(started: Started, failure: InitFailure) {
    if let Err(unsent) = started.send(Err(failure)) {
        panic::catch_and_log("dropping an init error", move || drop(unsent));
    }
}
