//! What a handler may ask of its own server: [`Context`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::report;
use crate::server_ref::{Inner, RawRef, WeakRef};
use crate::sys::SysState;
use crate::timer::{self, Kind, TimerRef};
use crate::{ExitReason, GenServer, ReplyTo, ServerId, ServerRef};

pub(crate) use current::{current_process, in_server, is_current, scope};

mod current;

/// A handler's view of its own server: its handle, its timers, and what it
/// wants the server to do once the handler returns.
///
/// A handler gets it by taking an argument of type `&mut Context<Self>`
/// (or `&Context<Self>`) anywhere in its argument list; `#[gen_server]`
/// recognises the type, passes the server's context, and leaves the argument
/// out of the message and the client function. `#[init]`, `#[call]`,
/// `#[cast]` and `#[info]` handlers may take one. Handlers that do not take
/// it pay nothing for it.
///
/// What the return values of Elixir's callbacks say, a handler says here:
///
/// | Elixir callback returns | in a handler |
/// |---|---|
/// | `{:stop, reason, state}` | [`ctx.stop(reason)`](Self::stop) |
/// | `{:stop, reason, reply, state}` | `ctx.stop(reason)` in a `#[call]`, then return the reply: it is sent after `terminate` |
/// | `{:noreply, state, {:continue, arg}}` | [`ctx.continue_with(info)`](Self::continue_with) |
/// | `{:noreply, state, timeout}` | [`ctx.idle_timeout(timeout, info)`](Self::idle_timeout) |
/// | `{:noreply, state, :hibernate}` | [`ctx.hibernate()`](Self::hibernate) |
/// | `{:noreply, state}` from `handle_call`, then `GenServer.reply/2` | take a [`ReplyTo`] argument |
/// | `self()` | [`ctx.handle()`](Self::handle), [`ctx.weak()`](Self::weak), [`ctx.id()`](Self::id) |
/// | `Process.send_after(self(), msg, ms)` | [`ctx.send_after(after, info)`](Self::send_after) |
/// | `:timer.send_interval(ms, msg)` | [`ctx.send_interval(every, make)`](Self::send_interval) |
///
/// Requests take effect when the handler returns, in this order: a stop
/// wins over everything else; then a continue runs, before any queued
/// message; then the server waits for the next message, for at most the
/// idle timeout of the last callback before the wait, after giving back its
/// mailbox memory if it was asked to hibernate.
///
/// ```
/// use genserver::prelude::*;
/// use std::time::Duration;
///
/// #[derive(Default)]
/// struct Session {
///     pings: u32,
/// }
///
/// #[gen_server]
/// impl Session {
///     #[call]
///     fn ping(&mut self, ctx: &mut Context<Self>) -> u32 {
///         self.pings += 1;
///         // Without another message within a second, `idle` runs.
///         ctx.idle_timeout(Duration::from_secs(1), SessionInfo::Idle);
///         self.pings
///     }
///
///     #[info]
///     fn idle(&mut self, ctx: &mut Context<Self>) {
///         ctx.stop(ExitReason::shutdown("idle"));
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let session = Session::start(Session::default()).await?;
/// assert_eq!(session.ping().await?, 1);
/// assert_eq!(session.exited().await, ExitReason::shutdown("idle"));
/// # Ok(()) }
/// ```
pub struct Context<T: GenServer> {
    server: Arc<Inner<T>>,
    /// Allocated by the first request, so that servers that make none pay
    /// one null pointer.
    requests: Option<Box<Requests<T>>>,
}

/// The receiver's wake-up timer and what handlers asked for. What a server
/// that only has timers needs is here; the rest is one box further, so
/// that an armed timer costs little.
struct Requests<T: GenServer> {
    /// A handler asked for something the loop acts on before it waits again
    /// (stop, continue, idle timeout, hibernate): the one flag the loop
    /// reads between messages.
    asked: bool,
    /// Whether `sleep` is armed (for its deadline) and has not fired yet.
    armed: bool,
    /// Wakes the receiver for the idle timeout, the earliest timer, and the
    /// release of a burst's mailbox slots.
    sleep: Option<Pin<Box<Sleep>>>,
    /// When the receiver next checks whether an empty mailbox holding a
    /// burst's slots has stayed empty long enough to give them back.
    release_at: Option<Instant>,
    /// Since when the mailbox has been empty; `None` once a message arrived.
    empty_since: Option<Instant>,
    asks: Option<Box<Asks<T>>>,
    /// What system requests set (suspended, traced, statistics) and the
    /// last message, for the crash report; allocated by the first use.
    /// Here rather than in the context: a word more in every server's task
    /// took tokio's task cell past a 128-byte step.
    sys: Option<Box<SysState<T>>>,
}

/// What handlers asked for.
struct Asks<T: GenServer> {
    stop: Option<ExitReason>,
    next: Option<T::Info>,
    idle: Option<(Duration, T::Info)>,
    /// The idle timeout of the wait in progress: its deadline and message.
    waiting: Option<(Instant, T::Info)>,
    hibernate: bool,
    /// Replies to send once `terminate` has run: `{:stop, reason, reply, state}`.
    replies: Vec<Box<dyn FnOnce() + Send>>,
}

impl<T: GenServer> Asks<T> {
    fn is_empty(&self) -> bool {
        self.stop.is_none()
            && self.next.is_none()
            && self.idle.is_none()
            && self.waiting.is_none()
            && !self.hibernate
            && self.replies.is_empty()
    }
}

impl<T: GenServer> Context<T> {
    pub(crate) fn new(server: Arc<Inner<T>>) -> Self {
        Self {
            server,
            requests: None,
        }
    }

    pub(crate) fn server(&self) -> &Arc<Inner<T>> {
        &self.server
    }

    pub(crate) fn sys(&self) -> Option<&SysState<T>> {
        self.requests.as_ref()?.sys.as_deref()
    }

    pub(crate) fn sys_mut_if_any(&mut self) -> Option<&mut SysState<T>> {
        self.requests.as_mut()?.sys.as_deref_mut()
    }

    /// Suspends or resumes the server: in its system state, and in the
    /// flag `sys::processes` reads.
    pub(crate) fn set_suspended(&mut self, on: bool) {
        self.sys_mut().tracking.set_suspended(on);
        let server = self.server();
        server
            .mailbox
            .suspended
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn sys_mut(&mut self) -> &mut SysState<T> {
        self.requests().sys.get_or_insert_with(Box::default)
    }

    /// Notes a message about to be handled: for the crash report while
    /// reports reach a subscriber, for a trace, for statistics. Nothing
    /// else is done for servers that are not inspected.
    #[inline]
    pub(crate) fn note_in(
        &mut self,
        kind: &'static str,
        name: &'static str,
        message: &dyn fmt::Debug,
    ) {
        let recording = report::recording_now();
        if recording != report::Recording::Off || self.sys().is_some() {
            self.sys_mut()
                .tracking
                .note_in(kind, name, message, recording);
        }
    }

    /// Notes a reply the dispatch sends.
    #[inline]
    pub(crate) fn note_out<R>(&mut self, reply: &R, show: fn(&R) -> Option<&dyn fmt::Debug>) {
        if let Some(sys) = self.sys_mut_if_any() {
            sys.tracking.note_out(show(reply));
        }
    }

    /// What handlers asked for, marked as asked: the loop acts on it next.
    fn ask(&mut self) -> &mut Asks<T> {
        let requests = self.requests();
        requests.asked = true;
        requests.asks.get_or_insert_with(|| {
            Box::new(Asks {
                stop: None,
                next: None,
                idle: None,
                waiting: None,
                hibernate: false,
                replies: Vec::new(),
            })
        })
    }

    fn requests(&mut self) -> &mut Requests<T> {
        self.requests.get_or_insert_with(|| {
            Box::new(Requests {
                asked: false,
                armed: false,
                sleep: None,
                release_at: None,
                empty_since: None,
                asks: None,
                sys: None,
            })
        })
    }

    /// What handlers asked for, if anything ever.
    fn asks(&self) -> Option<&Asks<T>> {
        self.requests.as_ref()?.asks.as_deref()
    }

    fn asks_mut(&mut self) -> Option<&mut Asks<T>> {
        self.requests.as_mut()?.asks.as_deref_mut()
    }

    /// The server's identity: `self()`.
    pub fn id(&self) -> ServerId {
        self.server.id
    }

    /// The name the server was started with, if any.
    pub fn name(&self) -> Option<&str> {
        self.server.name.as_deref()
    }

    /// A handle to the server itself: `self()`, to give to other servers.
    ///
    /// A handle keeps an unnamed server running (see [`ServerRef`]): a server
    /// that keeps one in its own state never stops for want of handles. Keep
    /// a [`weak`](Self::weak) handle in the state instead, and upgrade it
    /// when needed; timers armed through the context need neither.
    pub fn handle(&self) -> ServerRef<T> {
        ServerRef::from_raw(RawRef::revive(Arc::clone(&self.server)))
    }

    /// A weak handle to the server, which does not keep it running.
    pub fn weak(&self) -> WeakRef<T> {
        WeakRef::new(&self.server)
    }

    /// Stops the server with `reason` once the handler returns:
    /// `{:stop, reason, state}`.
    ///
    /// `terminate` runs with `reason`, then callers still queued get
    /// [`CallError::Exit`](crate::CallError::Exit) with it. In a `#[call]`,
    /// the handler's reply is sent after `terminate` has run (even if it
    /// panics): `{:stop, reason, reply, state}`. Called more than once, the
    /// last reason wins.
    pub fn stop(&mut self, reason: ExitReason) {
        self.ask().stop = Some(reason);
    }

    /// Stops the server with `reason` and answers a call whose reply slot
    /// the handler holds, after `terminate` has run: the deferred form of
    /// `{:stop, reason, reply, state}`.
    pub fn stop_with_reply<R: Send + 'static>(
        &mut self,
        reason: ExitReason,
        reply_to: ReplyTo<R>,
        reply: R,
    ) {
        self.stop(reason);
        self.reply(reply_to, reply);
    }

    /// `true` once a handler has asked the server to stop.
    pub fn is_stopping(&self) -> bool {
        self.asks().is_some_and(|asks| asks.stop.is_some())
    }

    /// Runs the `#[info]` handler of `info` as soon as this handler returns,
    /// before any message in the mailbox, even one the server sent itself
    /// meanwhile: `{:continue, arg}` and `handle_continue/2`.
    ///
    /// The continue may continue in turn. Called more than once, the last
    /// message wins.
    pub fn continue_with(&mut self, info: T::Info) {
        self.ask().next = Some(info);
    }

    /// Delivers `info` if no message arrives within `after` once the server
    /// waits again: `{:noreply, state, timeout}` and `handle_info(:timeout, state)`.
    ///
    /// Any message that arrives first cancels it, and a timeout of zero loses
    /// to a message already waiting. It applies to the wait right after the
    /// callback that set it: every later callback sets its own or none.
    pub fn idle_timeout(&mut self, after: Duration, info: T::Info) {
        self.ask().idle = Some((after, info));
    }

    /// Gives back the memory of the server's mailbox before it waits again:
    /// `:hibernate`.
    ///
    /// Without it, the server gives back what a burst of messages left,
    /// beyond 64 slots, once its mailbox has stayed empty for 100 ms; this
    /// frees all of it, at once. It does not touch the server's own state.
    pub fn hibernate(&mut self) {
        self.ask().hibernate = true;
    }

    /// Sends `info` to the server itself after `after`:
    /// `Process.send_after(self(), msg, ms)`. See [`send_after`](crate::send_after).
    pub fn send_after(&self, after: Duration, info: T::Info) -> TimerRef {
        RawRef::arm_timer_on(&self.server, after, Kind::Once(info))
    }

    /// Sends `make()` to the server itself every `every`:
    /// `:timer.send_interval(ms, msg)`. See [`send_interval`](crate::send_interval).
    ///
    /// # Panics
    ///
    /// If `every` is zero.
    pub fn send_interval(
        &self,
        every: Duration,
        make: impl FnMut() -> T::Info + Send + 'static,
    ) -> TimerRef {
        timer::check_period(every);
        RawRef::arm_timer_on(&self.server, every, Kind::Every(every, Box::new(make)))
    }

    /// Sends `reply` now, or after `terminate` if the handler asked to stop;
    /// not at all if a kill ended the server while the handler blocked its
    /// thread (the caller reads the exit reason, as from a server killed
    /// before it replied).
    pub(crate) fn reply<R: Send + 'static>(&mut self, reply_to: ReplyTo<R>, reply: R) {
        if self.server().is_ending() {
            return;
        }
        match self.asks_mut() {
            Some(asks) if asks.stop.is_some() => {
                asks.replies.push(Box::new(move || {
                    let _ = reply_to.send(reply);
                }));
            }
            _ => {
                let _ = reply_to.send(reply);
            }
        }
    }

    /// Whether the last callback asked for anything (and forgets it): the
    /// loop skips every other check when it did not.
    #[inline]
    pub(crate) fn take_asked(&mut self) -> bool {
        self.requests
            .as_mut()
            .is_some_and(|requests| std::mem::take(&mut requests.asked))
    }

    /// The stop a handler asked for.
    pub(crate) fn take_stop(&mut self) -> Option<ExitReason> {
        self.asks_mut()?.stop.take()
    }

    /// The continue a handler asked for; it cancels the idle timeout of the
    /// callback that asked, since the continue runs before any wait. What
    /// else that callback asked for (hibernation) is looked at again after
    /// the continue has run.
    pub(crate) fn take_continue(&mut self) -> Option<T::Info> {
        let requests = self.requests.as_mut()?;
        let asks = requests.asks.as_mut()?;
        let next = asks.next.take();
        if next.is_some() {
            asks.idle = None;
            requests.asked = true;
        }
        next
    }

    /// Whether a handler asked to hibernate; if so, the requests' own
    /// memory is given back too when nothing else is pending.
    pub(crate) fn take_hibernate(&mut self) -> bool {
        let hibernate = self
            .asks_mut()
            .is_some_and(|asks| std::mem::take(&mut asks.hibernate));
        if hibernate {
            self.compact();
        }
        hibernate
    }

    /// Frees what nothing needs any more: the asks when none is pending, and
    /// the requests (with the wake-up timer) when nothing else is.
    fn compact(&mut self) {
        let Some(requests) = self.requests.as_mut() else {
            return;
        };
        if requests.asks.as_ref().is_some_and(|asks| asks.is_empty()) {
            requests.asks = None;
        }
        if requests.asks.is_none() && requests.release_at.is_none() {
            self.requests = None;
        }
    }

    /// The server starts waiting: the idle timeout a handler asked for
    /// counts from now.
    pub(crate) fn begin_wait(&mut self) {
        if let Some(asks) = self.asks_mut() {
            asks.waiting = asks
                .idle
                .take()
                .map(|(after, info)| (Instant::now() + after, info));
        }
    }

    /// When the idle timeout of the wait in progress fires.
    pub(crate) fn idle_deadline(&self) -> Option<Instant> {
        Some(self.asks()?.waiting.as_ref()?.0)
    }

    /// The idle timeout fired: its message.
    pub(crate) fn take_idle_info(&mut self) -> Option<T::Info> {
        Some(self.asks_mut()?.waiting.take()?.1)
    }

    /// Something arrived: the idle timeout is off, and the mailbox is no
    /// longer empty.
    #[inline]
    pub(crate) fn end_wait(&mut self) {
        if let Some(requests) = &mut self.requests {
            requests.empty_since = None;
            if let Some(asks) = &mut requests.asks {
                asks.waiting = None;
            }
        }
    }

    /// The mailbox is empty but holds a burst's slots: `None` if it has
    /// stayed empty for [`RELEASE_AFTER`](crate::mailbox::RELEASE_AFTER)
    /// by `fired_at` (when the wake-up timer fired), so the slots go now;
    /// otherwise when to look again. The check keeps its deadline while
    /// messages come and go, so that a busy server re-arms its timer at most
    /// once per period, not on every message.
    pub(crate) fn release_check(&mut self, fired_at: Option<Instant>) -> Option<Instant> {
        let requests = self.requests();
        let since = *requests.empty_since.get_or_insert_with(Instant::now);
        let due = since + crate::mailbox::RELEASE_AFTER;
        if fired_at.is_some_and(|now| due <= now) {
            return None;
        }
        match requests.release_at {
            Some(at) if at <= due && fired_at.is_none_or(|now| at > now) => Some(at),
            _ => {
                requests.release_at = Some(due);
                Some(due)
            }
        }
    }

    /// The mailbox gave its slots back; so do the requests, if they hold
    /// nothing else.
    pub(crate) fn released(&mut self) {
        if let Some(requests) = &mut self.requests {
            requests.release_at = None;
            requests.empty_since = None;
        }
        self.compact();
    }

    /// The replies to send once `terminate` has run.
    pub(crate) fn take_replies(&mut self) -> Vec<Box<dyn FnOnce() + Send>> {
        self.asks_mut()
            .map(|asks| std::mem::take(&mut asks.replies))
            .unwrap_or_default()
    }

    /// Drops what the requests hold (info messages are user values).
    pub(crate) fn take_requests(&mut self) -> impl Send + use<T> {
        self.requests.take()
    }

    /// Polls the wake-up timer: the deadline it was armed for, once it fires.
    pub(crate) fn poll_wake_up(&mut self, cx: &mut std::task::Context<'_>) -> Option<Instant> {
        let requests = self.requests.as_mut()?;
        let sleep = requests.sleep.as_mut().filter(|_| requests.armed)?;
        if sleep.as_mut().poll(cx).is_ready() {
            requests.armed = false;
            return Some(sleep.deadline());
        }
        None
    }

    /// Arms the wake-up timer for `deadline` (unless it already is) and polls
    /// it: `Some(deadline)` if it has fired already.
    pub(crate) fn arm_wake_up(
        &mut self,
        deadline: Instant,
        cx: &mut std::task::Context<'_>,
    ) -> Option<Instant> {
        let requests = self.requests();
        match &mut requests.sleep {
            Some(sleep) if requests.armed && sleep.deadline() == deadline => {}
            Some(sleep) => sleep.as_mut().reset(deadline),
            None => requests.sleep = Some(Box::pin(tokio::time::sleep_until(deadline))),
        }
        requests.armed = true;
        self.poll_wake_up(cx)
    }
}

impl<T: GenServer> fmt::Debug for Context<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Context");
        out.field("id", &self.server.id);
        if let Some(name) = self.server.name.as_deref() {
            out.field("name", &name);
        }
        out.field("stopping", &self.is_stopping())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
