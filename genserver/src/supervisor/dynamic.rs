//! `DynamicSupervisor`: children started at run time, one for one.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::ChildError;
use super::child::{self, ChildCount, ChildInfo, ChildState, Intensity};
use super::spec::{ChildSpec, Restart};
use crate::{AnyRef, Context, Exit, ServerId, gen_server};

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
/// let lobby = rooms.start_child(Room::child_spec(Room { name: "lobby".into() })).await??;
/// let lobby = lobby.downcast::<Room>().expect("a room");
/// assert_eq!(lobby.title().await?, "lobby");
/// assert_eq!(rooms.count_children().await?.active, 1);
/// rooms.terminate_child(lobby.id()).await??;
/// assert!(!lobby.is_alive());
/// # Ok(()) }
/// ```
pub struct DynamicSupervisor {
    options: DynamicSupervisorOptions,
    children: HashMap<ServerId, Running>,
    /// Children whose restart failed, by a key of their own.
    restarting: HashMap<u64, ChildSpec>,
    next_key: u64,
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
        DynamicSupervisor {
            options,
            children: HashMap::new(),
            restarting: HashMap::new(),
            next_key: 0,
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

    /// Starts a child from `spec`: `start_child/2`. Its id does not matter:
    /// a dynamic supervisor's children are told apart by their handles.
    #[call]
    pub async fn start_child(
        &mut self,
        spec: ChildSpec,
        ctx: &mut Context<Self>,
    ) -> Result<AnyRef, ChildError> {
        let count = self.children.len() + self.restarting.len();
        if self.options.max_children.is_some_and(|max| count >= max) {
            return Err(ChildError::MaxChildren);
        }
        match child::start(&spec, ctx).await {
            Ok(Some(server)) => {
                self.children.insert(
                    server.id(),
                    Running {
                        spec,
                        server: server.clone(),
                    },
                );
                Ok(server)
            }
            Ok(None) => Err(ChildError::Ignored),
            Err(reason) => Err(ChildError::Start {
                id: spec.id,
                reason,
            }),
        }
    }

    /// Stops the child `id` as its spec says, and forgets it:
    /// `terminate_child/2`.
    #[call]
    pub async fn terminate_child(
        &mut self,
        id: ServerId,
        ctx: &mut Context<Self>,
    ) -> Result<(), ChildError> {
        let child = self.children.remove(&id).ok_or(ChildError::NotFound)?;
        ctx.unlink(&child.server);
        child::stop(&child.server, child.spec.shutdown).await;
        Ok(())
    }

    /// The children, oldest first: `which_children/1`.
    #[call]
    pub fn which_children(&self) -> Vec<ChildInfo> {
        let mut running: Vec<&Running> = self.children.values().collect();
        running.sort_by_key(|child| child.server.id());
        let running = running.into_iter().map(|child| ChildInfo {
            id: Arc::clone(&child.spec.id),
            state: ChildState::Running(child.server.clone()),
            kind: child.spec.kind,
        });
        let restarting = self.restarting.values().map(|spec| ChildInfo {
            id: Arc::clone(&spec.id),
            state: ChildState::Restarting,
            kind: spec.kind,
        });
        running.chain(restarting).collect()
    }

    /// How many children there are, of which kind: `count_children/1`.
    #[call]
    pub fn count_children(&self) -> ChildCount {
        let mut count = ChildCount::default();
        for child in self.children.values() {
            count.add(child.spec.kind, true);
        }
        for spec in self.restarting.values() {
            count.add(spec.kind, false);
        }
        count
    }

    /// A child stopped: restart it if its spec says so.
    #[info]
    async fn exit(&mut self, exit: Exit, ctx: &mut Context<Self>) {
        let Some(child) = self.children.remove(&exit.from) else {
            return;
        };
        let restart = match child.spec.restart {
            Restart::Permanent => true,
            Restart::Transient => !exit.reason.is_normal(),
            Restart::Temporary => false,
        };
        if restart {
            self.restart(child.spec, ctx).await;
        }
    }

    /// Tries again a restart that failed.
    #[info]
    async fn retry(&mut self, key: u64, ctx: &mut Context<Self>) {
        if let Some(spec) = self.restarting.remove(&key) {
            self.restart(spec, ctx).await;
        }
    }

    /// Stops every child at once.
    #[terminate]
    async fn terminate(&mut self) {
        let children = self
            .children
            .drain()
            .map(|(_, child)| (child.server, child.spec.shutdown))
            .collect();
        child::stop_all(children).await;
    }
}

impl DynamicSupervisor {
    async fn restart(&mut self, spec: ChildSpec, ctx: &mut Context<Self>) {
        if !self.intensity.add() {
            let children = self
                .children
                .drain()
                .map(|(_, child)| {
                    ctx.unlink(&child.server);
                    (child.server, child.spec.shutdown)
                })
                .collect();
            child::stop_all(children).await;
            self.restarting.clear();
            ctx.stop(child::too_many_restarts());
            return;
        }
        match child::start(&spec, ctx).await {
            Ok(Some(server)) => {
                self.children.insert(server.id(), Running { spec, server });
            }
            // It chose not to start this time: it is gone.
            Ok(None) => {}
            Err(_) => {
                let key = self.next_key;
                self.next_key += 1;
                self.restarting.insert(key, spec);
                ctx.notify_self(DynamicSupervisorInfo::Retry { key });
            }
        }
    }
}
