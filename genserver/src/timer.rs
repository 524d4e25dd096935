//! Timers: info messages delivered after a delay (`Process.send_after`) or
//! at every period (`:timer.send_interval`), and their cancellation.
//!
//! A server's timers live in its mailbox, under the mailbox's lock, and are
//! driven by the server's own task: no task is spawned per timer, and a
//! server that never arms one pays for none (one null pointer). When a timer
//! expires, a token for it joins the mailbox queue, in order with the other
//! messages; the message itself stays in the table until the server takes it
//! for handling. So cancelling works up to that moment: once
//! [`TimerRef::cancel`] returns `true`, the message will never be handled,
//! even if the timer had already expired. Erlang cannot promise that (an
//! expired timer's message is in the mailbox and must be flushed by hand).
//!
//! A server's timers end with it, and a timer aimed at a server that has
//! stopped is dropped quietly.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::sync::Weak;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::server_ref::RawRef;
use crate::{GenServer, ServerRef};

/// Which timer a queued token is for: a slot of the table and the timer's
/// generation, unique in the process, so that the token or [`TimerRef`] of a
/// timer that is gone finds nothing, even after its slot was reused (or its
/// server's table freed and made anew).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    index: u32,
    generation: u64,
}

fn next_generation() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Makes each message of an interval timer.
pub(crate) type Maker<I> = Box<dyn FnMut() -> I + Send>;

/// What a new timer delivers.
pub(crate) enum Kind<I> {
    /// One message, once.
    Once(I),
    /// A message from the maker at every period.
    Every(Duration, Maker<I>),
}

/// What the server takes from the table for a queued token.
pub(crate) enum Taken<I> {
    /// A one-shot timer's message; the timer is gone.
    Message(I),
    /// An interval timer's maker, lent out to make one message outside the
    /// lock; give it back with [`Timers::restore`].
    Maker(Maker<I>),
}

enum State<I> {
    Free {
        next: Option<u32>,
    },
    Once {
        deadline: Instant,
        message: I,
        expired: bool,
    },
    Every {
        deadline: Instant,
        period: Duration,
        maker: Option<Maker<I>>,
    },
}

struct Slot<I> {
    /// The generation of the timer in the slot; that of the last one when free.
    generation: u64,
    state: State<I>,
}

/// One server's timers: a slab of slots, and a min-heap of deadlines whose
/// entries for cancelled or rescheduled timers are skipped when they surface
/// (and compacted away when they outnumber the live ones).
pub(crate) struct Timers<I> {
    slots: Vec<Slot<I>>,
    free: Option<u32>,
    heap: BinaryHeap<Reverse<(Instant, u32, u64)>>,
    live: usize,
}

/// What [`Timers::remove`] took out of the table: dropped by the caller,
/// outside the mailbox lock, since it can hold user values.
pub(crate) struct Removed<I>(#[allow(dead_code)] State<I>);

impl<I> Timers<I> {
    pub(crate) fn new() -> Self {
        Self {
            // Most servers arm one timer at a time: start with room for one.
            slots: Vec::with_capacity(1),
            free: None,
            heap: BinaryHeap::with_capacity(1),
            live: 0,
        }
    }

    /// How many timers are armed, or expired with their message not yet taken.
    pub(crate) fn live(&self) -> usize {
        self.live
    }

    /// Arms a timer that expires at `deadline`.
    pub(crate) fn insert(&mut self, deadline: Instant, kind: Kind<I>) -> TimerKey {
        let state = match kind {
            Kind::Once(message) => State::Once {
                deadline,
                message,
                expired: false,
            },
            Kind::Every(period, maker) => State::Every {
                deadline,
                period,
                maker: Some(maker),
            },
        };
        let generation = next_generation();
        let index = if let Some(index) = self.free {
            let slot = &mut self.slots[index as usize];
            self.free = match slot.state {
                State::Free { next } => next,
                _ => unreachable!("the free list holds free slots only"),
            };
            *slot = Slot { generation, state };
            index
        } else {
            let index = u32::try_from(self.slots.len()).expect("more than u32::MAX timers");
            self.slots.push(Slot { generation, state });
            index
        };
        self.heap.push(Reverse((deadline, index, generation)));
        self.live += 1;
        TimerKey { index, generation }
    }

    /// The earliest deadline of an armed timer.
    pub(crate) fn earliest(&mut self) -> Option<Instant> {
        while let Some(&Reverse((deadline, index, generation))) = self.heap.peek() {
            if self.armed_at(index, generation) == Some(deadline) {
                return Some(deadline);
            }
            self.heap.pop();
        }
        None
    }

    /// The deadline of the timer in `index`, if it is armed and of `generation`.
    fn armed_at(&self, index: u32, generation: u64) -> Option<Instant> {
        let slot = self.slots.get(index as usize)?;
        if slot.generation != generation {
            return None;
        }
        match slot.state {
            State::Once {
                deadline,
                expired: false,
                ..
            }
            | State::Every { deadline, .. } => Some(deadline),
            _ => None,
        }
    }

    /// Expires every timer due at `now` or before, calling `queue` with the
    /// key of each, in deadline order. Interval timers are armed again for
    /// their next period after `now`.
    pub(crate) fn expire(&mut self, now: Instant, mut queue: impl FnMut(TimerKey)) {
        while let Some(&Reverse((deadline, index, generation))) = self.heap.peek() {
            if deadline > now {
                break;
            }
            self.heap.pop();
            if self.armed_at(index, generation) != Some(deadline) {
                continue;
            }
            let slot = &mut self.slots[index as usize];
            match &mut slot.state {
                State::Once { expired, .. } => *expired = true,
                State::Every {
                    deadline, period, ..
                } => {
                    let mut next = *deadline + *period;
                    if next <= now {
                        // The server fell behind: skip the missed ticks
                        // rather than deliver them in a burst.
                        next = now + *period;
                    }
                    *deadline = next;
                    self.heap.push(Reverse((next, index, generation)));
                }
                State::Free { .. } => unreachable!("armed_at checked the slot"),
            }
            queue(TimerKey { index, generation });
        }
        self.compact();
    }

    /// Takes what an expired timer delivers, or `None` when it was cancelled
    /// since (or its maker is lent out, which cannot happen: one task takes).
    pub(crate) fn take(&mut self, key: TimerKey) -> Option<Taken<I>> {
        let slot = self.slot_mut(key)?;
        match &mut slot.state {
            State::Once { expired: true, .. } => match self.free_slot(key.index) {
                State::Once { message, .. } => Some(Taken::Message(message)),
                _ => unreachable!("the slot held an expired one-shot timer"),
            },
            State::Every { maker, .. } => maker.take().map(Taken::Maker),
            _ => None,
        }
    }

    /// Gives an interval timer its maker back; hands it back in turn if the
    /// timer was cancelled meanwhile.
    pub(crate) fn restore(&mut self, key: TimerKey, maker: Maker<I>) -> Option<Maker<I>> {
        match self.slot_mut(key).map(|slot| &mut slot.state) {
            Some(State::Every {
                maker: slot @ None, ..
            }) => {
                *slot = Some(maker);
                None
            }
            _ => Some(maker),
        }
    }

    /// Cancels the timer: `Some` (what it held) if it was still live.
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Removed<I>> {
        self.slot_mut(key)?;
        let removed = self.free_slot(key.index);
        self.compact();
        Some(Removed(removed))
    }

    fn slot_mut(&mut self, key: TimerKey) -> Option<&mut Slot<I>> {
        self.slots.get_mut(key.index as usize).filter(|slot| {
            slot.generation == key.generation && !matches!(slot.state, State::Free { .. })
        })
    }

    fn free_slot(&mut self, index: u32) -> State<I> {
        let slot = &mut self.slots[index as usize];
        let state = std::mem::replace(&mut slot.state, State::Free { next: self.free });
        self.free = Some(index);
        self.live -= 1;
        state
    }

    /// Drops heap entries of cancelled timers once they outnumber the live
    /// ones, so that arming and cancelling many timers keeps no memory.
    fn compact(&mut self) {
        if self.heap.len() > 2 * self.live + 8 {
            let slots = &self.slots;
            self.heap.retain(|&Reverse((deadline, index, generation))| {
                let slot = &slots[index as usize];
                slot.generation == generation
                    && matches!(slot.state,
                        State::Once { deadline: d, expired: false, .. } | State::Every { deadline: d, .. } if d == deadline)
            });
            self.heap.shrink_to_fit();
        }
    }
}

/// Cancels a timer in some server's table, whatever the server's type.
pub(crate) trait TimerTable: Send + Sync {
    fn cancel(&self, key: TimerKey) -> bool;
}

/// A timer armed with [`send_after`], [`send_interval`] or the same methods
/// of a handler's [`Context`](crate::Context): what `Process.send_after`
/// returns.
///
/// Dropping it does not cancel the timer. It holds no reference that keeps
/// the server or its memory alive.
#[derive(Clone)]
pub struct TimerRef {
    table: Option<Weak<dyn TimerTable>>,
    key: TimerKey,
}

impl TimerRef {
    pub(crate) fn new(table: Weak<dyn TimerTable>, key: TimerKey) -> Self {
        Self {
            table: Some(table),
            key,
        }
    }

    /// A timer aimed at a server that had already stopped: it delivers nothing.
    pub(crate) fn dead() -> Self {
        Self {
            table: None,
            key: TimerKey {
                index: 0,
                generation: 0,
            },
        }
    }

    /// Cancels the timer: `Process.cancel_timer`.
    ///
    /// Returns `true` if the timer was still live, and then its message will
    /// never be handled, even if the timer had already expired and its
    /// message was waiting in the mailbox. Returns `false` if the message was
    /// already taken for handling (or, for an interval, the timer was already
    /// cancelled), or the server has stopped. An interval timer stops for
    /// good; a tick already being handled is not undone.
    pub fn cancel(&self) -> bool {
        self.table
            .as_ref()
            .and_then(Weak::upgrade)
            .is_some_and(|table| table.cancel(self.key))
    }
}

impl fmt::Debug for TimerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerRef")
            .field("index", &self.key.index)
            .field("generation", &self.key.generation)
            .finish_non_exhaustive()
    }
}

/// Sends `info` to `server` after `after`: `Process.send_after(pid, msg, ms)`.
///
/// The message arrives through the server's `#[info]` handler, in order with
/// the messages sent to it meanwhile. The timer belongs to the server: it is
/// dropped, quietly, if the server stops first, and it does not keep the
/// server running. Inside a handler, [`Context::send_after`](crate::Context::send_after)
/// does the same for the server's own messages.
///
/// ```
/// # use genserver::prelude::*;
/// # use std::time::Duration;
/// # #[derive(Default)] struct Alarm { rang: bool }
/// #[gen_server]
/// impl Alarm {
///     #[info]
///     fn ring(&mut self) {
///         self.rang = true;
///     }
///
///     #[call]
///     fn rang(&self) -> bool {
///         self.rang
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let alarm = Alarm::start(Alarm::default()).await?;
/// let timer = genserver::send_after(&alarm, Duration::from_secs(60), AlarmInfo::Ring);
/// assert!(!alarm.rang().await?);
/// tokio::time::sleep(Duration::from_secs(61)).await;
/// assert!(alarm.rang().await?);
/// assert!(!timer.cancel()); // already delivered
/// # Ok(()) }
/// ```
pub fn send_after<T: GenServer>(server: &ServerRef<T>, after: Duration, info: T::Info) -> TimerRef {
    RawRef::arm_timer_on(server.raw().inner(), after, Kind::Once(info))
}

/// Sends `make()` to `server` every `every`, first after one period:
/// `:timer.send_interval(ms, pid, msg)`.
///
/// A tick the server could not take in time is skipped, not delivered late
/// in a burst. Stop it with [`TimerRef::cancel`]; it also ends with the
/// server. The message is made by a closure, so that info messages need not
/// be `Clone`.
///
/// # Panics
///
/// If `every` is zero, as [`tokio::time::interval`] does.
pub fn send_interval<T: GenServer>(
    server: &ServerRef<T>,
    every: Duration,
    make: impl FnMut() -> T::Info + Send + 'static,
) -> TimerRef {
    check_period(every);
    RawRef::arm_timer_on(
        server.raw().inner(),
        every,
        Kind::Every(every, Box::new(make)),
    )
}

pub(crate) fn check_period(every: Duration) {
    assert!(
        !every.is_zero(),
        "send_interval: the period must be longer than zero"
    );
}

#[cfg(test)]
mod tests;
