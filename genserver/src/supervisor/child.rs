//! What both supervisors do with one child: start it linked, stop it the
//! way its spec says, count restarts against the intensity limit.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::spec::{ChildId, ChildKind, ChildSpec, Shutdown, Started};
use crate::{AnyRef, Context, Exit, ExitReason, ReceivesExit, StopError, process};

/// Where a child is, as `which_children` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildState {
    /// Running: its handle.
    Running(AnyRef),
    /// Its restart failed; the supervisor tries again: `:restarting`.
    Restarting,
    /// Not running: stopped and not restarted, terminated, or its `init`
    /// chose not to start (`:ignore`): `:undefined`.
    Undefined,
}

/// One child of a supervisor: `which_children`'s entries.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChildInfo {
    /// The child's id; a [`DynamicSupervisor`](crate::DynamicSupervisor)'s
    /// children all have the id of their spec.
    pub id: ChildId,
    /// Whether it runs.
    pub state: ChildState,
    /// Worker or supervisor.
    pub kind: ChildKind,
}

/// How many children a supervisor has: `count_children`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChildCount {
    /// Every child spec, running or not.
    pub specs: usize,
    /// The children running.
    pub active: usize,
    /// The specs of supervisors.
    pub supervisors: usize,
    /// The specs of workers.
    pub workers: usize,
}

impl ChildCount {
    pub(crate) fn add(&mut self, kind: ChildKind, running: bool) {
        self.specs += 1;
        self.active += usize::from(running);
        match kind {
            ChildKind::Worker => self.workers += 1,
            ChildKind::Supervisor => self.supervisors += 1,
        }
    }
}

/// Starts `spec` from inside supervisor `S`, linked to it. A child whose
/// start function did not link it is linked now; one that already stopped
/// gets its exit notice queued, as if the link had been there.
pub(crate) async fn start<S: ReceivesExit>(spec: &ChildSpec, ctx: &mut Context<S>) -> Started {
    let child = match spec.start(None).await {
        Ok(child) => child,
        Err(reason) => {
            #[cfg(feature = "tracing")]
            tracing::error!(
                target: TARGET,
                supervisor = %ctx.id(),
                child = &*spec.inner.id,
                reason = &*reason,
                "supervisor {} failed to start child {:?}: {reason}",
                ctx.id(),
                spec.inner.id,
            );
            return Err(reason);
        }
    };
    #[cfg(feature = "tracing")]
    if let Some(child) = &child {
        tracing::info!(
            target: TARGET,
            supervisor = %ctx.id(),
            child = &*spec.inner.id,
            server = %child.id(),
            "supervisor {} started child {:?} as {}",
            ctx.id(),
            spec.inner.id,
            child.id(),
        );
    }
    if let Some(child) = &child {
        // A start function with `start_link` linked it already.
        if !ctx.server().mailbox.is_linked(child.id()) && ctx.link(child).is_err() {
            let reason = child.exit_reason().unwrap_or(ExitReason::NoProc);
            ctx.notify_self(S::exit_info(Exit {
                from: child.id(),
                reason,
            }));
        }
    }
    Ok(child)
}

/// Stops `child` the way `shutdown` says, and returns when it is gone.
/// Unlink it first, or its exit comes back as a notice.
pub(crate) async fn stop(child: &AnyRef, shutdown: Shutdown) {
    let timeout = match shutdown {
        Shutdown::BrutalKill => {
            let _ = child.kill().await;
            return;
        }
        Shutdown::Timeout(timeout) => Some(timeout),
        Shutdown::Infinity => None,
    };
    let stopped = process::stop(child.process(), ExitReason::Shutdown, timeout).await;
    if stopped == Err(StopError::Timeout) {
        let _ = child.kill().await;
    }
}

/// Stops every child in `children` at once, each the way its spec says,
/// and returns when all are gone: what a `DynamicSupervisor` does. Unlink
/// them first, or their exits come back as notices.
pub(crate) async fn stop_all(children: Vec<(AnyRef, Shutdown)>) {
    let now = Instant::now();
    for (child, shutdown) in &children {
        if *shutdown == Shutdown::BrutalKill {
            child.process().kill_with(ExitReason::Killed);
        } else {
            child.process().request_stop(ExitReason::Shutdown);
        }
    }
    for (child, shutdown) in children {
        let exited = child.exited();
        match shutdown {
            Shutdown::Timeout(timeout) => {
                let left = timeout.saturating_sub(now.elapsed());
                if tokio::time::timeout(left, exited).await.is_err() {
                    let _ = child.kill().await;
                }
            }
            Shutdown::BrutalKill | Shutdown::Infinity => {
                exited.await;
            }
        }
    }
}

/// The restart intensity: at most `max_restarts` restarts within `period`.
#[derive(Debug)]
pub(crate) struct Intensity {
    max_restarts: u32,
    period: Duration,
    restarts: VecDeque<Instant>,
}

impl Intensity {
    pub(crate) fn new(max_restarts: u32, period: Duration) -> Self {
        Self {
            max_restarts,
            period,
            restarts: VecDeque::new(),
        }
    }

    /// Counts a restart now; `false` when it is one too many, and the
    /// supervisor must give up.
    pub(crate) fn add(&mut self) -> bool {
        let now = Instant::now();
        while self
            .restarts
            .front()
            .is_some_and(|at| now.duration_since(*at) >= self.period)
        {
            self.restarts.pop_front();
        }
        self.restarts.push_back(now);
        self.restarts.len() <= self.max_restarts as usize
    }
}

/// The `tracing` target of supervisor reports.
#[cfg(feature = "tracing")]
const TARGET: &str = "genserver::supervisor";

/// Reports that child `id` of the supervisor of `ctx` stopped, unless it
/// stopped in good order: OTP's `child_terminated` report.
pub(crate) fn exited<S: ReceivesExit>(ctx: &Context<S>, id: &str, exit: &Exit) {
    #[cfg(feature = "tracing")]
    if !exit.reason.is_normal() {
        tracing::error!(
            target: TARGET,
            supervisor = %ctx.id(),
            child = id,
            server = %exit.from,
            reason = %exit.reason,
            "supervisor {}: child {id:?} ({}) terminated: {}",
            ctx.id(),
            exit.from,
            exit.reason,
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (ctx, id, exit);
}

/// The reason a supervisor stops with when it gives up: `shutdown`, as in
/// OTP, so that a transient supervisor is not restarted by its own; OTP's
/// `reached_max_restart_intensity` report says why.
pub(crate) fn too_many_restarts<S: ReceivesExit>(ctx: &Context<S>) -> ExitReason {
    #[cfg(feature = "tracing")]
    tracing::error!(
        target: TARGET,
        supervisor = %ctx.id(),
        "supervisor {} shutting down: reached the maximum restart intensity",
        ctx.id(),
    );
    #[cfg(not(feature = "tracing"))]
    let _ = ctx;
    ExitReason::Shutdown
}
