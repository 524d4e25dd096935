//! Catching a panic inside a future, so that it stops one server only, and
//! where it happened, for the crash report.
//!
//! `catch_unwind` gives the panic's payload but not its location: the
//! runtime's panic hook, installed with the first server, records the
//! location (and a backtrace, when `RUST_BACKTRACE` asks for one) of every
//! panic in a server's task, for the catch that follows on the same thread.
//! While crash reports go to a `tracing` subscriber, the hook does not print
//! these panics as well: the crash report says it all, once. Panics outside
//! servers go to the hook that was there before.

use std::any::Any;
use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Once};
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

pin_project! {
    /// Polls `inner`, turning a panic during any poll into `Err(message)`.
    pub(crate) struct CatchUnwind<F> {
        #[pin]
        inner: F,
    }
}

impl<F> CatchUnwind<F> {
    pub(crate) fn new(inner: F) -> Self {
        Self { inner }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Panicked>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        // The future is never polled again after a panic: the server that owns
        // it stops, so no broken invariant inside it can be observed.
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => Poll::Ready(Err(Panicked::new(payload))),
        }
    }
}

/// A panic the runtime caught: its message, and where it happened when the
/// runtime's hook saw it.
#[derive(Debug)]
pub(crate) struct Panicked {
    pub(crate) message: Arc<str>,
    pub(crate) site: Option<Site>,
}

impl Panicked {
    fn new(payload: Box<dyn Any + Send>) -> Self {
        Self {
            message: panic_message(payload),
            site: take_site(),
        }
    }
}

/// Where a panic happened, as the runtime's hook recorded it.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    /// `file:line:column`.
    pub(crate) location: Option<Arc<str>>,
    /// Captured only when `RUST_BACKTRACE` asks for backtraces.
    pub(crate) backtrace: Option<Arc<str>>,
}

thread_local! {
    /// The site of the last panic in a server's task on this thread, until
    /// the catch that follows takes it.
    static LAST_SITE: RefCell<Option<Site>> = const { RefCell::new(None) };
    /// Set while [`has_time_driver`] makes a timer that may panic: the
    /// hook keeps that panic quiet.
    static PROBING: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current runtime has tokio's time driver.
///
/// tokio offers no way to ask: making a timer panics without the driver.
/// So a timer is made and dropped (never armed, which costs a clock read),
/// the panic caught, and the hook kept quiet meanwhile. Asked once per
/// runtime and thread, by the first server started there (see
/// `deadline::of_runtime`).
pub(crate) fn has_time_driver() -> bool {
    install_hook();
    PROBING.set(true);
    let found = catch_unwind(|| drop(tokio::time::sleep(std::time::Duration::ZERO))).is_ok();
    PROBING.set(false);
    found
}

fn take_site() -> Option<Site> {
    LAST_SITE.with(|last| last.borrow_mut().take())
}

/// Installs the runtime's panic hook, once per process, in front of the
/// hook already there.
pub(crate) fn install_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if PROBING.get() {
                return;
            }
            if !crate::context::in_server() {
                return previous(info);
            }
            let quiet = crate::report::reports_panics();
            let backtrace = quiet.then(Backtrace::capture).and_then(|backtrace| {
                (backtrace.status() == BacktraceStatus::Captured)
                    .then(|| backtrace.to_string().into())
            });
            let site = Site {
                location: info.location().map(|at| at.to_string().into()),
                backtrace,
            };
            LAST_SITE.with(|last| *last.borrow_mut() = Some(site));
            if !quiet {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into `Err(message)`.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panicked> {
    catch_unwind(AssertUnwindSafe(f)).map_err(Panicked::new)
}

/// Runs `f`, user code whose panic the runtime has no one to tell: the
/// panic is logged (the hook did not print it) and goes no further.
pub(crate) fn catch_and_log(what: &'static str, f: impl FnOnce()) {
    if let Err(panicked) = catch(f) {
        crate::report::discarded_panic(what, &panicked);
    }
}

/// The text a panic was raised with: `panic!("...")` carries a `&str` or a
/// `String`; any other payload is described, not shown.
pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> Arc<str> {
    let message: Arc<str> = if let Some(text) = payload.downcast_ref::<&'static str>() {
        (*text).into()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.as_str().into()
    } else {
        "panic with a non-string payload".into()
    };
    // Dropping a payload runs user code, which may panic in turn.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
    message
}
