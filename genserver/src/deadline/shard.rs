//! One shard of a runtime's call deadlines: lists of waiting calls, one per
//! timeout, in a slab.
//!
//! Calls made with the same timeout expire in the order they were armed, so
//! each list is a queue: a call joins at the tail, and the driver takes
//! expired calls from the head. A call answered in time leaves from
//! wherever it is, in constant time (the lists are doubly linked through
//! slab indices).

use std::task::Waker;
use std::time::Duration;

use tokio::time::Instant;

/// No node: the end of a list, or of the free chain.
const NONE: u32 = u32::MAX;

/// Past this many distinct timeouts in one shard, a call joins an existing
/// list in deadline order (walking back from its tail) instead of opening
/// another: correct for any timeout, constant time for the usual few.
const MAX_LISTS: usize = 16;

/// A slab this large, once empty again, is freed rather than kept.
pub(super) const KEEP_NODES: usize = 1024;

/// Where an armed call's node is: its slot and the number of the insert
/// that armed it, so that a slot freed and reused since (or a slab freed and
/// made anew) is not mistaken for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

struct Node {
    deadline: Instant,
    /// The waiting call's waker; `None` on a free node.
    waker: Option<Waker>,
    prev: u32,
    next: u32,
    /// The list the node is on; on a free node, meaningless.
    list: u32,
    generation: u32,
}

struct List {
    timeout: Duration,
    head: u32,
    tail: u32,
}

#[derive(Default)]
pub(super) struct Shard {
    nodes: Vec<Node>,
    /// The head of the chain of free nodes, linked through `next`.
    free: Option<u32>,
    lists: Vec<List>,
    live: usize,
    /// Counts inserts: each node is stamped with its own.
    inserts: u32,
}

impl Shard {
    /// Adds a call waiting until `deadline` (`timeout` after it was armed).
    pub(super) fn insert(&mut self, deadline: Instant, timeout: Duration, waker: Waker) -> Slot {
        let list = self.list_for(timeout);
        let generation = self.inserts;
        self.inserts = self.inserts.wrapping_add(1);
        let index = if let Some(index) = self.free {
            let node = &mut self.nodes[index as usize];
            self.free = (node.next != NONE).then_some(node.next);
            node.deadline = deadline;
            node.waker = Some(waker);
            node.generation = generation;
            index
        } else {
            let index = u32::try_from(self.nodes.len()).expect("fewer than 2^32 calls waiting");
            self.nodes.push(Node {
                deadline,
                waker: Some(waker),
                prev: NONE,
                next: NONE,
                list: NONE,
                generation,
            });
            index
        };
        // After the last node that expires no later: almost always the tail.
        let mut after = self.lists[list as usize].tail;
        while after != NONE && self.nodes[after as usize].deadline > deadline {
            after = self.nodes[after as usize].prev;
        }
        self.link(list, index, after);
        self.live += 1;
        Slot { index, generation }
    }

    /// The list for calls with `timeout`: its own, a free one, or past
    /// [`MAX_LISTS`] the first (which then holds mixed timeouts, in order).
    fn list_for(&mut self, timeout: Duration) -> u32 {
        let position = self
            .lists
            .iter()
            .position(|list| list.timeout == timeout)
            .or_else(|| self.lists.iter().position(|list| list.head == NONE));
        let index = match position {
            Some(index) => index,
            None if self.lists.len() < MAX_LISTS => {
                self.lists.push(List {
                    timeout,
                    head: NONE,
                    tail: NONE,
                });
                self.lists.len() - 1
            }
            None => 0,
        };
        let list = &mut self.lists[index];
        if list.head == NONE {
            list.timeout = timeout;
        }
        u32::try_from(index).unwrap_or(0)
    }

    /// Puts free node `index` on `list` right after `after` (or first).
    fn link(&mut self, list: u32, index: u32, after: u32) {
        let next = if after == NONE {
            self.lists[list as usize].head
        } else {
            self.nodes[after as usize].next
        };
        let node = &mut self.nodes[index as usize];
        node.list = list;
        node.prev = after;
        node.next = next;
        if after == NONE {
            self.lists[list as usize].head = index;
        } else {
            self.nodes[after as usize].next = index;
        }
        if next == NONE {
            self.lists[list as usize].tail = index;
        } else {
            self.nodes[next as usize].prev = index;
        }
    }

    /// Takes `index` off its list, frees it, and returns its waker.
    fn remove(&mut self, index: u32) -> Option<Waker> {
        let node = &mut self.nodes[index as usize];
        let (prev, next, list) = (node.prev, node.next, node.list as usize);
        let waker = node.waker.take();
        node.next = self.free.unwrap_or(NONE);
        self.free = Some(index);
        if prev == NONE {
            self.lists[list].head = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NONE {
            self.lists[list].tail = prev;
        } else {
            self.nodes[next as usize].prev = prev;
        }
        self.live -= 1;
        if self.live == 0 && self.nodes.len() > KEEP_NODES {
            // A burst of waiting calls is over: give its memory back.
            self.nodes = Vec::new();
            self.free = None;
        }
        waker
    }

    /// Whether `slot` is still waiting: not expired, not removed.
    pub(super) fn holds(&self, slot: Slot) -> bool {
        self.nodes
            .get(slot.index as usize)
            .is_some_and(|node| node.generation == slot.generation && node.waker.is_some())
    }

    /// Removes the call at `slot` if it is still waiting.
    pub(super) fn cancel(&mut self, slot: Slot) -> Option<Waker> {
        if self.holds(slot) {
            self.remove(slot.index)
        } else {
            None
        }
    }

    /// If the call at `slot` is still waiting, it is woken with `waker`
    /// from now on, and the waker it had is returned (for the caller to
    /// drop once the lock is released); if not, `waker` comes back.
    pub(super) fn refresh(&mut self, slot: Slot, waker: Waker) -> Result<Option<Waker>, Waker> {
        if !self.holds(slot) {
            return Err(waker);
        }
        Ok(self.nodes[slot.index as usize].waker.replace(waker))
    }

    /// Removes every call due by `now`, pushing their wakers on `expired`,
    /// and returns the earliest deadline left.
    pub(super) fn expire(&mut self, now: Instant, expired: &mut Vec<Waker>) -> Option<Instant> {
        let mut earliest: Option<Instant> = None;
        for list in 0..self.lists.len() {
            loop {
                let head = self.lists[list].head;
                if head == NONE {
                    break;
                }
                let deadline = self.nodes[head as usize].deadline;
                if deadline > now {
                    earliest = Some(earliest.map_or(deadline, |at| at.min(deadline)));
                    break;
                }
                expired.extend(self.remove(head));
            }
        }
        earliest
    }

    /// Each list's timeout and length, in order.
    #[cfg(test)]
    pub(super) fn lists(&self) -> Vec<(Duration, usize)> {
        self.lists
            .iter()
            .map(|list| {
                let mut length = 0;
                let mut node = list.head;
                while node != NONE {
                    length += 1;
                    node = self.nodes[node as usize].next;
                }
                (list.timeout, length)
            })
            .collect()
    }

    /// How many calls are waiting.
    #[cfg(test)]
    pub(super) fn live(&self) -> usize {
        self.live
    }
}
