//! Which server's task a thread is running: set around each poll of a
//! server's task (and of a child's start, run as if in its supervisor's
//! task), for `CallingSelf` detection and the parent `start_link` links to.
//!
//! A thread-local set and restored around the poll, as tokio's
//! `task_local!` does, but holding only the server's id and address: plain
//! words, which need no destructor and so no check on each access. Every
//! call asks whether it runs in its own server's task; only a `start_link`
//! needs the server itself, and finds it by id in the table of servers.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::ServerId;
use crate::process::Process;

/// A server: its id, and the address of its shared state.
type Current = Option<(ServerId, usize)>;

thread_local! {
    static CURRENT: Cell<Current> = const { Cell::new(None) };
}

/// `true` when the current task is that of the server at `process`.
pub(crate) fn is_current(process: *const ()) -> bool {
    CURRENT
        .get()
        .is_some_and(|(_, address)| address == process.addr())
}

/// The server the current task belongs to. The table keeps a server for as
/// long as its shared state lives, which its task holds.
pub(crate) fn current_process() -> Option<Arc<dyn Process>> {
    let (id, _) = CURRENT.get()?;
    crate::sys::table::process(id)?.upgrade()
}

/// `true` inside a server's task.
pub(crate) fn in_server() -> bool {
    CURRENT.get().is_some()
}

/// Runs `run` with `current` as the current server, and restores the one
/// before after, also if `run` panics.
fn enter<R>(current: Current, run: impl FnOnce() -> R) -> R {
    struct Leave(Current);
    impl Drop for Leave {
        fn drop(&mut self) {
            CURRENT.set(self.0);
        }
    }
    let _leave = Leave(CURRENT.replace(current));
    run()
}

pin_project_lite::pin_project! {
    /// A future run as the task of a server: it sees the server as the
    /// current one while it is polled, and while it is dropped.
    pub(crate) struct Scoped<F> {
        current: Current,
        #[pin]
        future: Option<F>,
    }

    impl<F> PinnedDrop for Scoped<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let mut future = this.future;
            if future.is_some() {
                enter(*this.current, || future.set(None));
            }
        }
    }
}

/// Runs `future` as the task of server `id`, whose shared state is at
/// `address`.
pub(crate) fn scope<F: Future>(id: ServerId, address: *const (), future: F) -> Scoped<F> {
    Scoped {
        current: Some((id, address.addr())),
        future: Some(future),
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let future = this.future;
        enter(*this.current, || {
            future
                .as_pin_mut()
                .expect("a server's task is not polled after it ended")
                .poll(cx)
        })
    }
}
