//! What a server keeps for system requests, allocated by the first: whether
//! it is suspended (and what waits meanwhile), traced, counting; and the
//! last message it handled, for its crash report.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::time::SystemTime;

use super::{Statistics, Status};
use crate::context::Context;
use crate::receive::Next;
use crate::report::{self, Recording};
use crate::show::State;
use crate::{GenServer, ServerId};

/// A system request, as it travels through the mailbox: it runs inside the
/// server, between two messages, and sends its own answer.
pub(crate) type Request = Box<dyn FnOnce(&mut dyn Inspect) + Send>;

/// What a system request can do with a server whose type it does not know.
/// Public in a private module, as the `Process` trait that takes it.
pub trait Inspect {
    fn format_state(&self) -> String;
    /// The state itself, for requests that know its type.
    fn state(&mut self) -> &mut dyn Any;
    fn status(&self) -> Status;
    fn suspend(&mut self, on: bool);
    #[cfg(feature = "tracing")]
    fn trace(&mut self, on: bool);
    fn statistics(&mut self, on: bool);
    fn get_statistics(&self) -> Option<Statistics>;
}

/// What [`processes`](super::processes) reads of a server's links.
#[derive(Debug, Default)]
pub struct LinksInfo {
    pub(crate) parent: Option<ServerId>,
    pub(crate) linked: Vec<ServerId>,
    pub(crate) monitors: usize,
}

/// A server's system state.
pub(crate) struct SysState<T: GenServer> {
    /// What arrived while suspended, handled first once resumed.
    held: VecDeque<Next<T>>,
    /// The rest, the same for every server type (and so is its code).
    pub(crate) tracking: Tracking,
}

/// What the system keeps of a server besides held messages: suspended or
/// not, traced or not, its statistics and its last message.
#[derive(Default)]
pub(crate) struct Tracking {
    suspended: bool,
    traced: bool,
    statistics: Option<Statistics>,
    /// The last message handled, shown, while crash reports record whole
    /// messages or the server is traced; empty otherwise.
    last: String,
    /// The last message's variant, while crash reports record names.
    last_name: &'static str,
}

impl<T: GenServer> Default for SysState<T> {
    fn default() -> Self {
        Self {
            held: VecDeque::new(),
            tracking: Tracking::default(),
        }
    }
}

impl<T: GenServer> SysState<T> {
    /// `true` while messages held during a suspension wait.
    pub(crate) fn has_held(&self) -> bool {
        !self.held.is_empty()
    }

    /// Keeps `next` until the server is resumed.
    pub(crate) fn hold(&mut self, next: Next<T>) {
        self.held.push_back(next);
    }

    /// What waited while the server was suspended, once it is resumed.
    pub(crate) fn take_held(&mut self) -> Option<Next<T>> {
        if self.tracking.suspended {
            None
        } else {
            self.held.pop_front()
        }
    }
}

impl Tracking {
    pub(crate) fn set_suspended(&mut self, on: bool) {
        self.suspended = on;
    }

    pub(crate) fn is_suspended(&self) -> bool {
        self.suspended
    }

    pub(crate) fn is_traced(&self) -> bool {
        self.traced
    }

    /// The last message handled, as far as it was recorded.
    pub(crate) fn last_message(&self) -> Option<String> {
        if !self.last.is_empty() {
            Some(self.last.clone())
        } else if !self.last_name.is_empty() {
            Some(self.last_name.to_owned())
        } else {
            None
        }
    }

    /// Notes a message about to be handled: recorded for the crash report
    /// as `recording` says, traced, counted.
    pub(crate) fn note_in(
        &mut self,
        kind: &'static str,
        name: &'static str,
        message: &dyn fmt::Debug,
        recording: Recording,
    ) {
        if recording == Recording::Full || self.traced {
            report::show_into(&mut self.last, |out| write!(out, "{message:?}"));
        } else {
            self.last.clear();
        }
        self.last_name = if recording == Recording::Off {
            ""
        } else {
            name
        };
        #[cfg(feature = "tracing")]
        if self.traced {
            tracing::info!(target: "genserver::trace", request = %self.last, "{kind} in");
        }
        #[cfg(not(feature = "tracing"))]
        let _ = kind;
        if let Some(statistics) = &mut self.statistics {
            statistics.messages_in += 1;
        }
    }

    /// Notes a reply the dispatch sends: traced, counted.
    pub(crate) fn note_out(&mut self, reply: Option<&dyn fmt::Debug>) {
        #[cfg(feature = "tracing")]
        if self.traced {
            let reply = report::debug(&crate::show::Arg(reply));
            tracing::info!(target: "genserver::trace", reply = %reply, "reply out");
        }
        #[cfg(not(feature = "tracing"))]
        let _ = reply;
        if let Some(statistics) = &mut self.statistics {
            statistics.messages_out += 1;
        }
    }
}

/// A server seen by a system request: its state and its context.
pub(crate) struct Inspected<'a, T: GenServer> {
    pub(crate) state: &'a mut T,
    pub(crate) ctx: &'a mut Context<T>,
}

impl<T: GenServer> Inspect for Inspected<'_, T> {
    fn format_state(&self) -> String {
        report::debug(&State(&*self.state))
    }

    fn state(&mut self) -> &mut dyn Any {
        self.state
    }

    fn status(&self) -> Status {
        let server = self.ctx.server();
        let sys = self.ctx.sys();
        Status {
            id: server.id,
            name: server.name.as_deref().map(str::to_owned),
            type_name: std::any::type_name::<T>(),
            suspended: sys.is_some_and(|sys| sys.tracking.is_suspended()),
            traced: sys.is_some_and(|sys| sys.tracking.is_traced()),
            mailbox_len: server.mailbox_len(),
            messages_in: server.messages_in(),
            uptime: super::uptime(server.id),
            parent: server.mailbox.parent(),
            state: self.format_state(),
        }
    }

    fn suspend(&mut self, on: bool) {
        self.ctx.set_suspended(on);
    }

    #[cfg(feature = "tracing")]
    fn trace(&mut self, on: bool) {
        self.ctx.sys_mut().tracking.traced = on;
    }

    fn statistics(&mut self, on: bool) {
        self.ctx.sys_mut().tracking.statistics = on.then(|| Statistics {
            since: SystemTime::now(),
            messages_in: 0,
            messages_out: 0,
        });
    }

    fn get_statistics(&self) -> Option<Statistics> {
        self.ctx.sys()?.tracking.statistics
    }
}

/// Runs a system request inside server `state`. A panic in it (the user's
/// `Debug`, say) is the request's own: it does not stop the server.
pub(crate) fn handle<T: GenServer>(request: Request, state: &mut T, ctx: &mut Context<T>) {
    crate::panic::catch_and_log("a system request", || {
        request(&mut Inspected { state, ctx });
    });
}
