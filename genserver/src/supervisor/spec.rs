//! Child specifications: what a supervisor needs to start, restart and
//! stop one child.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::{AnyRef, GenServer, ServerRef, StartError, StartOptions};

/// When a supervisor restarts a child that stopped: `restart:` of a child spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Restart {
    /// Always (the default).
    #[default]
    Permanent,
    /// Only when it stopped abnormally: not for [`ExitReason::Normal`],
    /// [`Shutdown`](crate::ExitReason::Shutdown) or
    /// [`ShutdownWith`](crate::ExitReason::ShutdownWith).
    ///
    /// [`ExitReason::Normal`]: crate::ExitReason::Normal
    Transient,
    /// Never; the child is forgotten once it stops.
    Temporary,
}

/// How a supervisor stops a child: `shutdown:` of a child spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// Kill it at once, without `terminate`: `:brutal_kill`.
    BrutalKill,
    /// Ask it to stop with [`ExitReason::Shutdown`](crate::ExitReason::Shutdown),
    /// running `terminate`, and kill it if it has not stopped in time: the
    /// default for workers is 5 seconds.
    Timeout(Duration),
    /// Ask it to stop and wait as long as it takes: the default for
    /// supervisors, which need the time to stop their own children.
    Infinity,
}

/// Whether a child is a worker or a supervisor: `type:` of a child spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ChildKind {
    /// A server that does the work (the default).
    #[default]
    Worker,
    /// A supervisor of its own children.
    Supervisor,
}

/// What a child's start gives the supervisor: the child, nothing when its
/// `init` chose not to start (`:ignore`), or why it failed.
pub(crate) type Started = Result<Option<AnyRef>, String>;

type StartFn = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Started> + Send>> + Send + Sync>;

/// How to start, restart and stop one child of a supervisor: the child
/// spec map of Elixir (`%{id: .., start: .., restart: .., shutdown: .., type: ..}`).
///
/// `#[gen_server]` generates `MyServer::child_spec(args..)`, which starts
/// the server with `start_link(args..)`, as `use GenServer` generates
/// `child_spec/1`; any async function that starts a server makes one with
/// [`ChildSpec::new`]. The builder methods override each field.
///
/// ```
/// # use genserver::prelude::*;
/// # use std::time::Duration;
/// # #[derive(Clone, Default)] struct Cache;
/// # #[gen_server] impl Cache { #[cast] fn clear(&mut self) {} }
/// let spec = Cache::child_spec(Cache)
///     .id("cache")
///     .restart(Restart::Transient)
///     .shutdown(Shutdown::Timeout(Duration::from_secs(10)));
/// // Any start function:
/// let named = ChildSpec::new("named-cache", || {
///     Cache::start_with(StartOptions::new().name("cache").link(), Cache)
/// });
/// # let _ = (spec, named);
/// ```
#[derive(Clone)]
pub struct ChildSpec {
    pub(crate) id: Arc<str>,
    start: StartFn,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Shutdown,
    pub(crate) kind: ChildKind,
}

impl ChildSpec {
    /// A worker `id` that `start` starts. `start` is called again for every
    /// restart; it should link the server to the supervisor that calls it
    /// (`start_link`, or [`StartOptions::link`]), and the supervisor links
    /// it if it did not.
    pub fn new<T, F, Fut>(id: impl Into<Arc<str>>, start: F) -> Self
    where
        T: GenServer,
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ServerRef<T>, StartError<T>>> + Send + 'static,
    {
        let start: StartFn = Arc::new(move || {
            let started = start();
            Box::pin(async move {
                match started.await {
                    Ok(server) => Ok(Some(AnyRef::from(server))),
                    Err(StartError::Ignore) => Ok(None),
                    Err(error) => Err(error.to_string()),
                }
            })
        });
        Self {
            id: id.into(),
            start,
            restart: Restart::default(),
            shutdown: Shutdown::Timeout(Duration::from_secs(5)),
            kind: ChildKind::Worker,
        }
    }

    /// The spec `#[gen_server]`'s `child_spec` returns: `T` started with
    /// `start_link(arg)`, a clone of `arg` for each start.
    #[doc(hidden)]
    pub fn of<T: GenServer>(id: &str, arg: T::InitArg) -> Self
    where
        T::InitArg: Clone,
    {
        // Behind a lock so that the spec is `Sync` without asking it of `arg`.
        let arg = Mutex::new(arg);
        Self::new(id, move || {
            let arg = arg.lock().unwrap_or_else(PoisonError::into_inner).clone();
            crate::lifecycle::start::<T>(StartOptions::new().link(), arg)
        })
    }

    /// Sets the child's id, which names it in its supervisor: `id:`.
    #[must_use]
    pub fn id(mut self, id: impl Into<Arc<str>>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets when the child is restarted: `restart:`.
    #[must_use]
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Sets how the child is stopped: `shutdown:`.
    #[must_use]
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Marks the child as a supervisor (`type: :supervisor`), whose
    /// shutdown becomes [`Shutdown::Infinity`] unless set after this.
    #[must_use]
    pub fn supervisor(mut self) -> Self {
        self.kind = ChildKind::Supervisor;
        self.shutdown = Shutdown::Infinity;
        self
    }

    /// Starts the child.
    pub(crate) fn start(&self) -> Pin<Box<dyn Future<Output = Started> + Send>> {
        (self.start)()
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}
