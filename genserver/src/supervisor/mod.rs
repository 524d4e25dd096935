//! Supervisors: servers that start children, restart them when they stop,
//! and stop them in order. The main types are also at the crate's root.
//!
//! A tree: a named child, a generated child spec, and a dynamic supervisor
//! under a supervisor of their own (the program of the README's
//! supervision chapter).
//!
//! ```
//! use genserver::prelude::*;
//!
//! #[derive(Clone, Default)]
//! struct Counter {
//!     n: u64,
//! }
//!
//! #[gen_server(restart = permanent, shutdown = 10_000)]
//! impl Counter {
//!     #[call]
//!     fn next(&mut self) -> u64 {
//!         self.n += 1;
//!         self.n
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let named = ChildSpec::new("named", || {
//!         let options = StartOptions::new().name("counter").link();
//!         Counter::start_with(options, Counter::default())
//!     });
//!     let tree = Supervisor::start(
//!         SupervisorOptions::new(Strategy::OneForOne),
//!         vec![
//!             named,
//!             Counter::child_spec(Counter::default()).id("anonymous"),
//!             DynamicSupervisor::child_spec(DynamicSupervisorOptions::new()).id("rooms"),
//!         ],
//!     )
//!     .await?;
//!     assert_eq!(ServerRef::<Counter>::by_name("counter")?.next().await?, 1);
//!     tree.stop().await?; // every child stopped, last started first, `terminate` run
//!     Ok(())
//! }
//! ```

mod child;
mod dynamic;
mod spec;

use std::time::Duration;

pub use child::{ChildCount, ChildInfo, ChildState};
pub use dynamic::{
    DynamicSupervisor, DynamicSupervisorClient, DynamicSupervisorInfo, DynamicSupervisorMsg,
    DynamicSupervisorOptions,
};
pub use spec::{ChildId, ChildKind, ChildSpec, Restart, Shutdown};

use crate::{AnyRef, Context, Exit, gen_server};
use child::Intensity;

/// What a supervisor does when a child stops and must be restarted:
/// `strategy:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Strategy {
    /// Restart that child only.
    #[default]
    OneForOne,
    /// Stop every other child (in reverse start order), then start them all
    /// again in order.
    OneForAll,
    /// Stop the children started after it (in reverse order), then start
    /// it and them again in order.
    RestForOne,
}

/// How a [`Supervisor`] supervises: its strategy and restart intensity.
///
/// The defaults are OTP's: one for one, at most 3 restarts in 5 seconds.
/// Beyond that, the supervisor stops every child and then itself, with
/// [`ExitReason::Shutdown`](crate::ExitReason::Shutdown), and its own
/// supervisor decides what happens next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SupervisorOptions {
    strategy: Strategy,
    max_restarts: u32,
    max_seconds: Duration,
}

impl Default for SupervisorOptions {
    fn default() -> Self {
        Self {
            strategy: Strategy::OneForOne,
            max_restarts: 3,
            max_seconds: Duration::from_secs(5),
        }
    }
}

impl SupervisorOptions {
    /// The defaults, with `strategy`.
    pub fn new(strategy: Strategy) -> Self {
        Self {
            strategy,
            ..Self::default()
        }
    }

    /// At most `max_restarts` restarts within [`max_seconds`](Self::max_seconds):
    /// `max_restarts:` (default 3).
    #[must_use]
    pub fn max_restarts(mut self, max_restarts: u32) -> Self {
        self.max_restarts = max_restarts;
        self
    }

    /// The period of the restart intensity: `max_seconds:` (default 5 s).
    #[must_use]
    pub fn max_seconds(mut self, period: Duration) -> Self {
        self.max_seconds = period;
        self
    }
}

/// Why a supervisor could not do what it was asked about a child.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChildError {
    /// No child has that id (or handle): `{:error, :not_found}`.
    #[error("no child with that id")]
    NotFound,
    /// The child is running: `{:error, :running}`.
    #[error("the child is running")]
    Running,
    /// The child is being restarted: `{:error, :restarting}`.
    #[error("the child is being restarted")]
    Restarting,
    /// A child with that id exists, not running: `{:error, :already_present}`.
    #[error("a child with that id is already present")]
    AlreadyPresent,
    /// A child with that id is running: `{:error, {:already_started, pid}}`.
    #[error("a child with that id is already started: {}", .0.id())]
    AlreadyStarted(AnyRef),
    /// Its `init` chose not to start it (`:ignore`).
    #[error("the child's init chose not to start it")]
    Ignored,
    /// The dynamic supervisor has `max_children` children: `{:error, :max_children}`.
    #[error("the supervisor has its maximum number of children")]
    MaxChildren,
    /// The supervisor is not running.
    #[error("no process: the supervisor is not running")]
    NoProc,
    /// The child failed to start: `{:error, {:failed_to_start_child, id, reason}}`.
    #[error("child `{id}` failed to start: {reason}")]
    Start {
        /// The child's id.
        id: ChildId,
        /// Why it failed.
        reason: String,
    },
}

/// One child of a [`Supervisor`].
struct Child {
    spec: ChildSpec,
    state: ChildState,
}

impl Child {
    fn running(&self) -> Option<&AnyRef> {
        match &self.state {
            ChildState::Running(server) => Some(server),
            _ => None,
        }
    }
}

/// A supervisor: `Supervisor` of Elixir, `supervisor` of OTP.
///
/// It starts its children in order, links to them and traps exits; when a
/// child stops, it restarts it (and others, by its [`Strategy`]) as its
/// [`Restart`] says, up to the restart intensity; it stops them in reverse
/// order, each as its [`Shutdown`] says, when it stops itself. A child
/// registered under a name is registered again when restarted, so clients
/// that look the name up find the new one.
///
/// ```
/// use genserver::prelude::*;
///
/// #[derive(Clone, Default)]
/// struct Counter {
///     n: u64,
/// }
///
/// #[gen_server]
/// impl Counter {
///     #[call]
///     fn next(&mut self) -> u64 {
///         self.n += 1;
///         self.n
///     }
///
///     #[cast]
///     fn crash(&mut self) {
///         panic!("crashed on purpose");
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = ChildSpec::new("counter", || {
///     Counter::start_with(StartOptions::new().name("sup-doc-counter").link(), Counter::default())
/// });
/// let supervisor = Supervisor::start(SupervisorOptions::default(), vec![counter]).await?;
///
/// let first = ServerRef::<Counter>::by_name("sup-doc-counter")?;
/// assert_eq!(first.next().await?, 1);
/// first.crash()?;
/// first.exited().await;
///
/// // The supervisor had the exit notice before anyone saw the exit: once
/// // it answers, the restart is done. A fresh state, under the same name.
/// assert_eq!(supervisor.count_children().await?.active, 1);
/// let again = ServerRef::<Counter>::by_name("sup-doc-counter")?;
/// assert_ne!(again.id(), first.id());
/// assert_eq!(again.next().await?, 1);
/// supervisor.stop().await?;
/// assert!(!again.is_alive());
/// # Ok(()) }
/// ```
pub struct Supervisor {
    options: SupervisorOptions,
    children: Vec<Child>,
    intensity: Intensity,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor")
            .field("options", &self.options)
            .field("children", &self.children.len())
            .finish_non_exhaustive()
    }
}

#[gen_server(crate = crate)]
impl Supervisor {
    /// Starts the children in order; if one fails, stops those started, in
    /// reverse order, and fails with [`ChildError::Start`].
    #[init]
    async fn init(
        options: SupervisorOptions,
        children: Vec<ChildSpec>,
        ctx: &mut Context<Self>,
    ) -> Result<Self, ChildError> {
        ctx.trap_exits(true);
        let mut supervisor = Supervisor {
            options,
            children: Vec::with_capacity(children.len()),
            intensity: Intensity::new(options.max_restarts, options.max_seconds),
        };
        for spec in children {
            match child::start(&spec, ctx).await {
                // A temporary child that chose not to start is not kept.
                Ok(None) if spec.inner.restart == Restart::Temporary => {}
                Ok(server) => supervisor.children.push(Child {
                    state: server.map_or(ChildState::Undefined, ChildState::Running),
                    spec,
                }),
                Err(reason) => {
                    supervisor.stop_children(0, ctx).await;
                    return Err(ChildError::Start {
                        id: spec.inner.id.clone(),
                        reason,
                    });
                }
            }
        }
        Ok(supervisor)
    }

    /// How a supervisor of its own starts this one: a supervisor child
    /// ([`ChildKind::Supervisor`], [`Shutdown::Infinity`]) started with
    /// `start_link(options, children)`: `child_spec/1` of `use Supervisor`.
    #[must_use]
    pub fn child_spec(options: SupervisorOptions, children: Vec<ChildSpec>) -> ChildSpec {
        ChildSpec::of::<Self>("Supervisor", (options, children)).supervisor()
    }

    /// The children, in start order: `which_children/1`.
    #[call(timeout = infinity)]
    pub fn which_children(&self) -> Vec<ChildInfo> {
        self.children
            .iter()
            .map(|child| ChildInfo {
                id: child.spec.inner.id.clone(),
                state: child.state.clone(),
                kind: child.spec.inner.kind,
            })
            .collect()
    }

    /// How many children there are, of which kind, and how many run:
    /// `count_children/1`.
    #[call(timeout = infinity)]
    pub fn count_children(&self) -> ChildCount {
        let mut count = ChildCount::default();
        for child in &self.children {
            count.add(child.spec.inner.kind, child.running().is_some());
        }
        count
    }

    /// Adds a child at the end and starts it: `start_child/2`.
    #[call(timeout = infinity)]
    pub async fn start_child(
        &mut self,
        spec: ChildSpec,
        ctx: &mut Context<Self>,
    ) -> Result<AnyRef, ChildError> {
        if let Some(existing) = self.find(&spec.inner.id) {
            return Err(match existing.running() {
                Some(server) => ChildError::AlreadyStarted(server.clone()),
                None => ChildError::AlreadyPresent,
            });
        }
        match child::start(&spec, ctx).await {
            Ok(Some(server)) => {
                self.children.push(Child {
                    spec,
                    state: ChildState::Running(server.clone()),
                });
                Ok(server)
            }
            Ok(None) => {
                if spec.inner.restart != Restart::Temporary {
                    self.children.push(Child {
                        spec,
                        state: ChildState::Undefined,
                    });
                }
                Err(ChildError::Ignored)
            }
            Err(reason) => Err(ChildError::Start {
                id: spec.inner.id.clone(),
                reason,
            }),
        }
    }

    /// Stops the child `id` as its spec says, keeping the spec (a temporary
    /// child's is deleted): `terminate_child/2`.
    #[call(timeout = infinity)]
    pub async fn terminate_child(
        &mut self,
        id: String,
        ctx: &mut Context<Self>,
    ) -> Result<(), ChildError> {
        let index = self.index(&id).ok_or(ChildError::NotFound)?;
        self.stop_child(index, ctx).await;
        if self.children[index].spec.inner.restart == Restart::Temporary {
            self.children.remove(index);
        }
        Ok(())
    }

    /// Starts again the child `id`, which must not be running:
    /// `restart_child/2`.
    #[call(timeout = infinity)]
    pub async fn restart_child(
        &mut self,
        id: String,
        ctx: &mut Context<Self>,
    ) -> Result<AnyRef, ChildError> {
        let index = self.index(&id).ok_or(ChildError::NotFound)?;
        match self.children[index].state {
            ChildState::Running(_) => return Err(ChildError::Running),
            ChildState::Restarting => return Err(ChildError::Restarting),
            ChildState::Undefined => {}
        }
        match child::start(&self.children[index].spec, ctx).await {
            Ok(Some(server)) => {
                self.children[index].state = ChildState::Running(server.clone());
                Ok(server)
            }
            Ok(None) => Err(ChildError::Ignored),
            Err(reason) => Err(ChildError::Start {
                id: self.children[index].spec.inner.id.clone(),
                reason,
            }),
        }
    }

    /// Forgets the child `id`, which must not be running: `delete_child/2`.
    #[call(timeout = infinity)]
    pub fn delete_child(&mut self, id: String) -> Result<(), ChildError> {
        let index = self.index(&id).ok_or(ChildError::NotFound)?;
        match self.children[index].state {
            ChildState::Running(_) => Err(ChildError::Running),
            ChildState::Restarting => Err(ChildError::Restarting),
            ChildState::Undefined => {
                self.children.remove(index);
                Ok(())
            }
        }
    }

    /// A linked server stopped: a child to restart, or a stale notice.
    #[info]
    async fn exit(&mut self, exit: Exit, ctx: &mut Context<Self>) {
        let Some(index) = self.children.iter().position(|child| {
            child
                .running()
                .is_some_and(|server| server.id() == exit.from)
        }) else {
            // A child stopped on purpose meanwhile, or a server that is no
            // child: nothing to do.
            return;
        };
        let child = &mut self.children[index];
        child::exited(ctx, &child.spec.inner.id, &exit);
        child.state = ChildState::Undefined;
        let restart = child.spec.inner.restart;
        if restart == Restart::Temporary {
            self.children.remove(index);
        } else if restart.applies_to(&exit.reason) {
            self.restart(index, ctx).await;
        }
    }

    /// Tries again a restart that failed: `{:try_again_restart, id}`.
    #[info]
    async fn retry(&mut self, id: ChildId, ctx: &mut Context<Self>) {
        if let Some(index) = self.index(&id)
            && self.children[index].state == ChildState::Restarting
        {
            self.restart(index, ctx).await;
        }
    }

    /// Stops every child, in reverse start order.
    #[terminate]
    async fn terminate(&mut self) {
        // Without the context here, the children stay linked: their exit
        // notices find this server stopping, and are dropped.
        for child in self.children.iter_mut().rev() {
            let state = std::mem::replace(&mut child.state, ChildState::Undefined);
            if let ChildState::Running(server) = state {
                child::stop(&server, child.spec.inner.shutdown).await;
            }
        }
    }
}

impl Supervisor {
    fn index(&self, id: &str) -> Option<usize> {
        self.children
            .iter()
            .position(|child| &*child.spec.inner.id == id)
    }

    fn find(&self, id: &str) -> Option<&Child> {
        self.index(id).map(|index| &self.children[index])
    }

    /// Stops child `index` if it runs; its state becomes `Undefined`.
    async fn stop_child(&mut self, index: usize, ctx: &mut Context<Self>) {
        let child = &mut self.children[index];
        let state = std::mem::replace(&mut child.state, ChildState::Undefined);
        if let ChildState::Running(server) = state {
            ctx.unlink(&server);
            child::stop(&server, child.spec.inner.shutdown).await;
        }
    }

    /// Stops the children from `from` on, in reverse order; temporary ones
    /// are forgotten, as they are never restarted.
    async fn stop_children(&mut self, from: usize, ctx: &mut Context<Self>) {
        for index in (from..self.children.len()).rev() {
            self.stop_child(index, ctx).await;
            if self.children[index].spec.inner.restart == Restart::Temporary {
                self.children.remove(index);
            }
        }
    }

    /// Restarts child `index` by the strategy, unless that is a restart too
    /// many: then stops every child and itself.
    async fn restart(&mut self, index: usize, ctx: &mut Context<Self>) {
        if !self.intensity.add() {
            self.stop_children(0, ctx).await;
            let reason = child::too_many_restarts(ctx);
            ctx.stop(reason);
            return;
        }
        let group = match self.options.strategy {
            Strategy::OneForOne => index..index + 1,
            Strategy::OneForAll => 0..self.children.len(),
            Strategy::RestForOne => index..self.children.len(),
        };
        // Every child of the group but the temporary ones starts again, in
        // order, once the others are stopped in reverse order, as OTP's
        // `terminate_children` and `start_children` do.
        // (The child that stopped is not temporary: it would not restart.)
        let restart: Vec<ChildId> = self.children[group.clone()]
            .iter()
            .filter(|child| child.spec.inner.restart != Restart::Temporary)
            .map(|child| child.spec.inner.id.clone())
            .collect();
        if self.options.strategy != Strategy::OneForOne {
            self.stop_children(group.start, ctx).await;
        }
        for id in restart {
            let Some(index) = self.index(&id) else {
                continue;
            };
            if let Ok(server) = child::start(&self.children[index].spec, ctx).await {
                self.children[index].state =
                    server.map_or(ChildState::Undefined, ChildState::Running);
            } else {
                // Try again after what is queued, counting one more restart:
                // `{:try_again_restart, id}`.
                self.children[index].state = ChildState::Restarting;
                ctx.notify_self(SupervisorInfo::Retry { id });
                return;
            }
        }
    }
}
