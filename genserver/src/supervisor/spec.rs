//! Child specifications: what a supervisor needs to start, restart and
//! stop one child.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::process::Process;
use crate::{AnyRef, GenServer, ServerRef, StartError, StartOptions, context, lifecycle};

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

impl Restart {
    /// Whether a child that stopped with `reason` is restarted.
    pub fn applies_to(self, reason: &crate::ExitReason) -> bool {
        match self {
            Self::Permanent => true,
            Self::Transient => !reason.is_normal(),
            Self::Temporary => false,
        }
    }
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

/// A child's id: usually a string literal, so that a spec made again and
/// again (say, for each child of a dynamic supervisor) allocates none.
pub type ChildId = Cow<'static, str>;

/// What a child's start gives the supervisor: the child, nothing when its
/// `init` chose not to start (`:ignore`), or why it failed.
pub(crate) type Started = Result<Option<AnyRef>, String>;

/// The supervisor a child starts under, when the start runs outside its task.
pub(crate) type Parent = Arc<dyn Process>;

type StartFn =
    Arc<dyn Fn(Option<&Parent>) -> Pin<Box<dyn Future<Output = Started> + Send>> + Send + Sync>;

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
    // One pointer: a supervisor keeps a spec with every child, and moves
    // it through its mailbox.
    pub(crate) inner: Arc<Fields>,
}

#[derive(Clone)]
pub(crate) struct Fields {
    pub(crate) id: ChildId,
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
    pub fn new<T, F, Fut>(id: impl Into<ChildId>, start: F) -> Self
    where
        T: GenServer,
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ServerRef<T>, StartError<T>>> + Send + 'static,
    {
        let start: StartFn = Arc::new(move |parent: Option<&Parent>| {
            let started = erase(start());
            match parent {
                // Run as if in the parent's task, so that its `start_link`
                // links to the parent.
                Some(parent) => {
                    let address = Arc::as_ptr(parent).cast();
                    Box::pin(context::scope(parent.id(), address, started))
                }
                None => Box::pin(started),
            }
        });
        Self::from_start(id.into(), start)
    }

    fn from_start(id: ChildId, start: StartFn) -> Self {
        Self {
            inner: Arc::new(Fields {
                id,
                start,
                restart: Restart::default(),
                shutdown: Shutdown::Timeout(Duration::from_secs(5)),
                kind: ChildKind::Worker,
            }),
        }
    }

    fn fields(&mut self) -> &mut Fields {
        Arc::make_mut(&mut self.inner)
    }

    /// The spec `#[gen_server]`'s `child_spec` returns: `T` started with
    /// `start_link(arg)`, a clone of `arg` for each start.
    #[doc(hidden)]
    pub fn of<T: GenServer>(id: &'static str, arg: T::InitArg) -> Self
    where
        T::InitArg: Clone,
    {
        // Behind a lock so that the spec is `Sync` without asking it of `arg`.
        let arg = Mutex::new(arg);
        let start: StartFn = Arc::new(move |parent: Option<&Parent>| {
            let arg = arg.lock().unwrap_or_else(PoisonError::into_inner).clone();
            let parent = parent.cloned().or_else(context::current_process);
            Box::pin(erase(lifecycle::start_under::<T>(
                StartOptions::new(),
                arg,
                parent,
            )))
        });
        Self::from_start(id.into(), start)
    }

    /// Sets the child's id, which names it in its supervisor: `id:`.
    #[must_use]
    pub fn id(mut self, id: impl Into<ChildId>) -> Self {
        self.fields().id = id.into();
        self
    }

    /// Sets when the child is restarted: `restart:`.
    #[must_use]
    pub fn restart(mut self, restart: Restart) -> Self {
        self.fields().restart = restart;
        self
    }

    /// Sets how the child is stopped: `shutdown:`.
    #[must_use]
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.fields().shutdown = shutdown;
        self
    }

    /// Marks the child as a supervisor (`type: :supervisor`), whose
    /// shutdown becomes [`Shutdown::Infinity`] unless set after this.
    #[must_use]
    pub fn supervisor(mut self) -> Self {
        let fields = self.fields();
        fields.kind = ChildKind::Supervisor;
        fields.shutdown = Shutdown::Infinity;
        self
    }

    /// Starts the child: under `parent`, or else under the server whose
    /// task this is.
    pub(crate) fn start(
        &self,
        parent: Option<&Parent>,
    ) -> Pin<Box<dyn Future<Output = Started> + Send>> {
        (self.inner.start)(parent)
    }
}

/// What a start gives a supervisor, whatever the server's type.
async fn erase<T: GenServer>(
    started: impl Future<Output = Result<ServerRef<T>, StartError<T>>>,
) -> Started {
    match started.await {
        Ok(server) => Ok(Some(AnyRef::from(server))),
        Err(StartError::Ignore) => Ok(None),
        Err(error) => Err(error.to_string()),
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields = &self.inner;
        f.debug_struct("ChildSpec")
            .field("id", &fields.id)
            .field("restart", &fields.restart)
            .field("shutdown", &fields.shutdown)
            .field("kind", &fields.kind)
            .finish_non_exhaustive()
    }
}
