//! The receive loop: one message at a time, in mailbox order, with the
//! server's timers, idle timeout, continues and down notices.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Poll, ready};

use tokio::time::Instant;

use crate::context::Context;
use crate::mailbox::{self, Envelope, Recv};
use crate::sys::{self, Request};
use crate::timer::Taken as TimerTaken;
use crate::{ExitReason, GenServer};

/// What the server handles next.
pub(crate) enum Next<T: GenServer> {
    Message(T::Message),
    Info(T::Info),
    Stop(ExitReason),
    /// A system request: answered at once, even while suspended, and it
    /// does not end an idle wait.
    System(Request),
    /// Every handle is gone and the mailbox is empty.
    Unreachable,
}

/// Handles one message at a time until the server must stop; returns why.
///
/// An `async` block rather than an `async fn`, for the same reason as
/// `lifecycle::run`: its future is part of every server's task.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn keeps its parameters twice in the task"
)]
pub(crate) fn receive_loop<'a, T: GenServer>(
    state: &'a mut T,
    ctx: &'a mut Context<T>,
    batch: &'a mut VecDeque<Envelope<T>>,
) -> impl Future<Output = ExitReason> + 'a {
    async move {
        loop {
            // What the last callback (or `init`) asked for, if anything: a stop
            // wins; a continue runs before anything in the mailbox.
            if ctx.take_asked() {
                if let Some(reason) = ctx.take_stop() {
                    return reason;
                }
                if let Some(info) = ctx.take_continue() {
                    handle_info(state, ctx, "continue", info).await;
                    continue;
                }
                if ctx.take_hibernate() {
                    ctx.server().mailbox.release(batch);
                }
                ctx.begin_wait();
            }
            // A block that ends before the handler's `.await`: a message
            // whose variant is matched there and moved into the handler's
            // future would otherwise keep its own slot (and drop flags) in
            // every server's task beside that future.
            let handler = {
                // What waited while the server was suspended comes first. (An `if
                // let`, whose scrutinee ends before the `else`: a variable holding
                // it would be kept in every server's task across the wait.)
                let next =
                    if let Some(next) = ctx.sys_mut_if_any().and_then(sys::SysState::take_held) {
                        ctx.server().count_handled(1);
                        next
                    } else {
                        Receive { ctx, batch }.await
                    };
                // While suspended, messages wait; held, they count as waiting in the
                // mailbox again. (Checked before the `match`, not in a guard: a
                // guard keeps the message's slot in every server's task.)
                if matches!(next, Next::Message(_) | Next::Info(_))
                    && ctx.sys().is_some_and(|sys| sys.tracking.is_suspended())
                {
                    ctx.server().count_handled(-1);
                    ctx.sys_mut().hold(next);
                    continue;
                }
                match next {
                    Next::System(request) => {
                        sys::handle(request, state, ctx);
                        continue;
                    }
                    // A suspended server obeys a stop at once, as OTP's does.
                    Next::Stop(reason) => return reason,
                    Next::Unreachable => {
                        // No one can resume it: it handles what waits, then stops.
                        if !ctx.sys().is_some_and(sys::SysState::has_held) {
                            return ExitReason::Normal;
                        }
                        ctx.set_suspended(false);
                        continue;
                    }
                    Next::Message(message) => Handler::Message {
                        future: handle_message(state, ctx, message),
                    },
                    Next::Info(info) => Handler::Info {
                        future: handle_info(state, ctx, "info", info),
                    },
                }
            };
            handler.await;
        }
    }
}

/// Notes `message` for the crash report, then handles it. A function of its
/// own, not inline in the loop: there, the note's borrow of the message
/// would keep a slot for it in every server's task, beside the handler's
/// future that holds it.
#[inline]
fn handle_message<'a, T: GenServer>(
    state: &'a mut T,
    ctx: &'a mut Context<T>,
    message: T::Message,
) -> impl Future<Output = ()> + use<'a, T> {
    ctx.note_in("message", T::message_name(&message), &message);
    state.handle_message(message, ctx)
}

/// As [`handle_message`], for an info message.
#[inline]
fn handle_info<'a, T: GenServer>(
    state: &'a mut T,
    ctx: &'a mut Context<T>,
    kind: &'static str,
    info: T::Info,
) -> impl Future<Output = ()> + use<'a, T> {
    ctx.note_in(kind, T::info_name(&info), &info);
    state.handle_info(info, ctx)
}

pin_project_lite::pin_project! {
    /// The future of the handler of a message or of an info message.
    #[project = HandlerProj]
    enum Handler<M, I> {
        Message { #[pin] future: M },
        Info { #[pin] future: I },
    }
}

impl<M: Future<Output = ()>, I: Future<Output = ()>> Future for Handler<M, I> {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        match self.project() {
            HandlerProj::Message { future } => future.poll(cx),
            HandlerProj::Info { future } => future.poll(cx),
        }
    }
}

/// Waits for what the server handles next: a message, an info message (sent,
/// from a timer, or the idle timeout's), or a stop request. A plain struct
/// of two references, rather than an `async fn`, keeps every server's task
/// small: what a wait needs beyond them lives in the context's requests,
/// which only servers that use timeouts allocate.
struct Receive<'a, T: GenServer> {
    ctx: &'a mut Context<T>,
    batch: &'a mut VecDeque<Envelope<T>>,
}

impl<T: GenServer> Future for Receive<'_, T> {
    type Output = Next<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Next<T>> {
        let Receive { ctx, batch } = self.get_mut();
        // Killed while a handler blocked the thread: the task has been
        // aborted and ends at this `.await`, handling nothing more.
        if ctx.server().is_ending() {
            return Poll::Pending;
        }
        loop {
            // Within a batch, neither timers nor the idle timeout need a look.
            let received = if batch.is_empty() {
                ready!(poll_next(ctx, batch, cx))
            } else {
                ready!(mailbox::poll_batch(batch, cx)).map(Recv::Envelope)
            };
            if let Some(Recv::Envelope(envelope)) = &received
                && !matches!(envelope, Envelope::System(_))
            {
                ctx.server().count_handled(1);
            }
            let next = match received {
                // The idle timeout: no message came in time.
                None => match ctx.take_idle_info() {
                    Some(info) => Next::Info(info),
                    None => unreachable!("only an armed idle timeout fires"),
                },
                Some(Recv::Envelope(Envelope::Message(message))) => Next::Message(message),
                Some(Recv::Envelope(Envelope::Info(info))) => Next::Info(info),
                Some(Recv::Envelope(Envelope::Stop(reason))) => Next::Stop(reason),
                // Before the idle wait ends: it goes on.
                Some(Recv::Envelope(Envelope::System(request))) => {
                    return Poll::Ready(Next::System(request));
                }
                Some(Recv::Envelope(Envelope::Down(down))) => {
                    match ctx.server().mailbox.take_down(*down) {
                        Some(info) => Next::Info(info),
                        // Demonitored after the notice arrived.
                        None => continue,
                    }
                }
                Some(Recv::Envelope(Envelope::Timer(key))) => {
                    let mailbox = &ctx.server().mailbox;
                    match mailbox.take_timer(key) {
                        Some(TimerTaken::Message(info)) => Next::Info(info),
                        Some(TimerTaken::Maker(mut make)) => {
                            let info = make();
                            mailbox.restore_timer(key, make);
                            Next::Info(info)
                        }
                        // Cancelled after it expired: as if it had never been
                        // sent, so it does not end the idle wait either.
                        None => continue,
                    }
                }
                Some(Recv::Unreachable) => Next::Unreachable,
                Some(Recv::Empty { .. }) => {
                    unreachable!("poll_next waits while the mailbox is empty")
                }
            };
            // Something arrived: the idle timeout is off.
            ctx.end_wait();
            return Poll::Ready(next);
        }
    }
}

/// Polls the mailbox, first firing the timers and the idle timeout that are
/// due; `Ready(None)` when the idle timeout fires.
fn poll_next<T: GenServer>(
    ctx: &mut Context<T>,
    batch: &mut VecDeque<Envelope<T>>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Option<Recv<T>>> {
    let idle_at = ctx.idle_deadline();
    let mut idle_due = false;
    let mut fired_at = None;
    // Called between batches only: under load, a timer's token joins the
    // queue after the current batch.
    let mut woken_at = ctx.poll_wake_up(cx);
    loop {
        // Timers due by now join the queue first, in the same lock.
        let expire = woken_at.take().map(|woken_at| Instant::now().max(woken_at));
        if let Some(now) = expire {
            idle_due = idle_at.is_some_and(|at| at <= now);
            fired_at = Some(now);
        }
        let (next_timer, oversized) = match ctx.server().mailbox.poll_recv(batch, expire, cx) {
            Poll::Ready(Recv::Empty {
                next_timer,
                oversized,
            }) => (next_timer, oversized),
            Poll::Ready(recv) => return Poll::Ready(Some(recv)),
            // Out of cooperative budget: tokio wakes the task again soon.
            Poll::Pending => return Poll::Pending,
        };
        // Nothing is waiting: only now may the idle timeout fire, so that a
        // timeout of zero loses to a message already there.
        if idle_due {
            return Poll::Ready(None);
        }
        // Empty, but holding what a burst left: give it back once the
        // mailbox has stayed empty for a while.
        let mut release_at = None;
        if oversized {
            release_at = ctx.release_check(fired_at);
            if release_at.is_none() {
                ctx.server().mailbox.release(batch);
                ctx.released();
                continue;
            }
        }
        let wake_at = [idle_at, next_timer, release_at]
            .into_iter()
            .flatten()
            .min();
        let Some(wake_at) = wake_at else {
            return Poll::Pending;
        };
        woken_at = ctx.arm_wake_up(wake_at, cx);
        if woken_at.is_none() {
            return Poll::Pending;
        }
        // Already due: fire it, then look at the mailbox again.
    }
}
