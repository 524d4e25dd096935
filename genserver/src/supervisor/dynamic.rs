//! `DynamicSupervisor`: children started at run time, one for one.

use std::time::Duration;

use super::ChildError;
use super::child::{self, ChildCount, ChildInfo, ChildState, Intensity};
use super::spec::ChildSpec;
use std::sync::Arc;

use crate::id_hash::IdMap;
use crate::link::Refused;
use crate::mailbox::Envelope;
use crate::process::Process;
use crate::server_ref::ClientOf;
use crate::{AnyRef, Context, Exit, ExitReason, ServerId, gen_server};

/// How a [`DynamicSupervisor`] supervises: its limits.
///
/// The defaults are Elixir's: no limit on children, at most 3 restarts in
/// 5 seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::struct_field_names)] // named as Elixir's options are
pub struct DynamicSupervisorOptions {
    max_children: Option<usize>,
    max_restarts: u32,
    max_seconds: Duration,
}

impl Default for DynamicSupervisorOptions {
    fn default() -> Self {
        Self {
            max_children: None,
            max_restarts: 3,
            max_seconds: Duration::from_secs(5),
        }
    }
}

impl DynamicSupervisorOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `max` children at a time: `max_children:`. Beyond it,
    /// `start_child` fails with [`ChildError::MaxChildren`].
    #[must_use]
    pub fn max_children(mut self, max: usize) -> Self {
        self.max_children = Some(max);
        self
    }

    /// At most `max_restarts` restarts within [`max_seconds`](Self::max_seconds).
    #[must_use]
    pub fn max_restarts(mut self, max_restarts: u32) -> Self {
        self.max_restarts = max_restarts;
        self
    }

    /// The period of the restart intensity (default 5 s).
    #[must_use]
    pub fn max_seconds(mut self, period: Duration) -> Self {
        self.max_seconds = period;
        self
    }
}

/// A supervisor of children started at run time: `DynamicSupervisor` of
/// Elixir. Its strategy is one for one; its children have no order, and
/// are stopped all at once when it stops, each as its spec says.
///
/// ```
/// use genserver::prelude::*;
///
/// #[derive(Clone)]
/// struct Room {
///     name: String,
/// }
///
/// #[gen_server]
/// impl Room {
///     #[call]
///     fn title(&self) -> String {
///         self.name.clone()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let rooms = DynamicSupervisor::start(DynamicSupervisorOptions::new().max_children(10)).await?;
/// let lobby = rooms.start_child(Room::child_spec(Room { name: "lobby".into() })).await?;
/// let lobby = lobby.downcast::<Room>().expect("a room");
/// assert_eq!(lobby.title().await?, "lobby");
/// assert_eq!(rooms.count_children().await?.active, 1);
/// rooms.terminate_child(lobby.id()).await??;
/// assert!(!lobby.is_alive());
/// # Ok(()) }
/// ```
pub struct DynamicSupervisor {
    options: DynamicSupervisorOptions,
    children: IdMap<ServerId, Running>,
    /// Children whose restart failed, by the id of the server that stopped.
    restarting: IdMap<ServerId, ChildSpec>,
    intensity: Intensity,
}

impl std::fmt::Debug for DynamicSupervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicSupervisor")
            .field("options", &self.options)
            .field("children", &self.children.len())
            .finish_non_exhaustive()
    }
}

struct Running {
    spec: ChildSpec,
    server: AnyRef,
}

#[gen_server(crate = crate)]
impl DynamicSupervisor {
    #[init]
    fn init(options: DynamicSupervisorOptions, ctx: &mut Context<Self>) -> Self {
        ctx.trap_exits(true);
        if let Some(max) = options.max_children {
            ctx.server().mailbox.limit_links(max);
        }
        DynamicSupervisor {
            options,
            children: IdMap::default(),
            restarting: IdMap::default(),
            intensity: Intensity::new(options.max_restarts, options.max_seconds),
        }
    }

    /// How a supervisor starts this one: a supervisor child
    /// ([`ChildKind::Supervisor`](super::ChildKind::Supervisor),
    /// [`Shutdown::Infinity`](super::Shutdown::Infinity)) started with
    /// `start_link(options)`.
    #[must_use]
    pub fn child_spec(options: DynamicSupervisorOptions) -> ChildSpec {
        ChildSpec::of::<Self>("DynamicSupervisor", (options,)).supervisor()
    }

    /// Takes on a child that `start_child` started, linked to this
    /// supervisor, in the caller's task. Not for direct use.
    #[doc(hidden)]
    #[cast]
    pub async fn adopt(&mut self, spec: ChildSpec, server: AnyRef, ctx: &mut Context<Self>) {
        // Its exit notice, if it already stopped, found no child here and
        // was dropped: act on it now.
        if let Some(reason) = server.exit_reason() {
            self.on_exit(server.id(), spec, &reason, ctx).await;
        } else {
            self.children.insert(server.id(), Running { spec, server });
        }
    }

    /// Stops the child `id` as its spec says, and forgets it:
    /// `terminate_child/2`.
    #[call(timeout = infinity)]
    pub async fn terminate_child(
        &mut self,
        id: ServerId,
        ctx: &mut Context<Self>,
    ) -> Result<(), ChildError> {
        if self.restarting.remove(&id).is_some() {
            // Its restart is not tried again.
            ctx.server().mailbox.release_link();
            return Ok(());
        }
        let child = self.children.remove(&id).ok_or(ChildError::NotFound)?;
        ctx.unlink(&child.server);
        child::stop(&child.server, child.spec.inner.shutdown).await;
        Ok(())
    }

    /// The children, oldest first: `which_children/1`.
    #[call(timeout = infinity)]
    pub fn which_children(&self) -> Vec<ChildInfo> {
        let mut running: Vec<&Running> = self.children.values().collect();
        running.sort_by_key(|child| child.server.id());
        let running = running.into_iter().map(|child| ChildInfo {
            id: child.spec.inner.id.clone(),
            state: ChildState::Running(child.server.clone()),
            kind: child.spec.inner.kind,
        });
        let restarting = self.restarting.values().map(|spec| ChildInfo {
            id: spec.inner.id.clone(),
            state: ChildState::Restarting,
            kind: spec.inner.kind,
        });
        running.chain(restarting).collect()
    }

    /// How many children there are, of which kind: `count_children/1`.
    #[call(timeout = infinity)]
    pub fn count_children(&self) -> ChildCount {
        let mut count = ChildCount::default();
        for child in self.children.values() {
            count.add(child.spec.inner.kind, true);
        }
        for spec in self.restarting.values() {
            count.add(spec.inner.kind, false);
        }
        count
    }

    /// A child stopped: restart it if its spec says so.
    #[info]
    async fn exit(&mut self, exit: Exit, ctx: &mut Context<Self>) {
        if let Some(child) = self.children.remove(&exit.from) {
            child::exited(ctx, &child.spec.inner.id, &exit);
            self.on_exit(exit.from, child.spec, &exit.reason, ctx).await;
        }
    }

    /// Tries again a restart that failed.
    #[info]
    async fn retry(&mut self, id: ServerId, ctx: &mut Context<Self>) {
        if let Some(spec) = self.restarting.remove(&id) {
            ctx.server().mailbox.release_link();
            self.restart(id, spec, ctx).await;
        }
    }

    /// Stops every child at once.
    #[terminate]
    async fn terminate(&mut self) {
        let children = self
            .children
            .drain()
            .map(|(_, child)| (child.server, child.spec.inner.shutdown))
            .collect();
        child::stop_all(children).await;
    }
}

impl DynamicSupervisor {
    /// Child `id` of `spec` stopped with `reason`: restart it if the spec
    /// says so.
    async fn on_exit(
        &mut self,
        id: ServerId,
        spec: ChildSpec,
        reason: &ExitReason,
        ctx: &mut Context<Self>,
    ) {
        if spec.inner.restart.applies_to(reason) {
            self.restart(id, spec, ctx).await;
        }
    }

    /// Starts again the child `id` of `spec`, unless that is a restart too
    /// many: then stops every child and itself.
    async fn restart(&mut self, id: ServerId, spec: ChildSpec, ctx: &mut Context<Self>) {
        if !self.intensity.add() {
            let children = self
                .children
                .drain()
                .map(|(_, child)| {
                    ctx.unlink(&child.server);
                    (child.server, child.spec.inner.shutdown)
                })
                .collect();
            child::stop_all(children).await;
            self.restarting.clear();
            let reason = child::too_many_restarts(ctx);
            ctx.stop(reason);
            return;
        }
        match child::start(&spec, ctx).await {
            Ok(Some(server)) => {
                self.children.insert(server.id(), Running { spec, server });
            }
            // It chose not to start this time: it is gone.
            Ok(None) => {}
            Err(_) => {
                // Waiting to be restarted, it still counts as a child.
                let _ = ctx.server().mailbox.reserve_link(true);
                self.restarting.insert(id, spec);
                ctx.notify_self(DynamicSupervisorInfo::Retry { id });
            }
        }
    }
}

impl DynamicSupervisorClient {
    /// Starts a child from `spec`: `start_child/2`. Its id does not matter:
    /// a dynamic supervisor's children are told apart by their handles.
    ///
    /// The child starts in the calling task, linked to the supervisor from
    /// the start as if the supervisor had started it (its `start_link`
    /// links to the supervisor), and the supervisor takes it on with a
    /// message. So starts never queue behind each other in the supervisor,
    /// as they do in Elixir, and cost little more than plain starts;
    /// `max_children` still holds, checked under the supervisor's lock.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes gives the reserved slot
    /// back. A child whose start had begun may still start: linked to the
    /// supervisor, it counts toward `max_children` and stops when the
    /// supervisor stops, but the supervisor does not list it and does not
    /// restart it.
    ///
    /// # Errors
    ///
    /// [`ChildError::MaxChildren`] when the supervisor has `max_children`
    /// children (counting those waiting to be restarted),
    /// [`ChildError::Ignored`] when the child's `init` chose not to start,
    /// [`ChildError::Start`] when it failed, and [`ChildError::NoProc`]
    /// when the supervisor is not running.
    pub async fn start_child(&self, spec: ChildSpec) -> Result<AnyRef, ChildError> {
        let raw = self.raw();
        let inner = raw.inner();
        inner
            .mailbox
            .reserve_link(false)
            .map_err(|refused| match refused {
                Refused::Closed => ChildError::NoProc,
                Refused::Full => ChildError::MaxChildren,
            })?;
        let reservation = Reservation(&inner.mailbox);
        let supervisor: Arc<dyn Process> = Arc::clone(inner) as _;
        let started = spec.start(Some(&supervisor)).await;
        // Linked now, the child holds its slot itself.
        drop(reservation);
        let child = match started {
            Ok(Some(child)) => child,
            Ok(None) => return Err(ChildError::Ignored),
            Err(reason) => {
                return Err(ChildError::Start {
                    id: spec.inner.id.clone(),
                    reason,
                });
            }
        };
        if !inner.mailbox.is_linked(child.id()) {
            // A start function without `start_link`: link it now.
            child
                .process()
                .add_link(inner.id, Arc::downgrade(&supervisor), true);
            inner
                .mailbox
                .add_link(child.id(), Arc::downgrade(child.process_arc()), false);
        }
        let adopt = Envelope::Message(DynamicSupervisorMsg::Adopt {
            spec,
            server: child.clone(),
        });
        // A running child can wait until the supervisor's next message to
        // be taken on: its exit notice, if it stops, comes after this and
        // wakes the supervisor. One that stopped already needs it now.
        let sent = if child.is_alive() {
            inner.mailbox.send_quietly(adopt)
        } else {
            inner.mailbox.send(adopt)
        };
        if sent.is_err() {
            // The supervisor stopped meanwhile: so does its child.
            let _ = child.kill().await;
            return Err(ChildError::NoProc);
        }
        Ok(child)
    }
}

/// A slot reserved under a dynamic supervisor's `max_children`, given back
/// when dropped, also when the start is cancelled.
struct Reservation<'a>(&'a crate::mailbox::Mailbox<DynamicSupervisor>);

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.0.release_link();
    }
}
