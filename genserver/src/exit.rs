//! Why a server stopped.

use std::fmt;
use std::sync::atomic::{Ordering, fence};
use std::sync::{Arc, OnceLock};

use tokio::sync::Notify;
use tokio::sync::futures::Notified;

/// Why a server stopped: the exit reason of OTP.
///
/// Every caller still waiting on a server when it stops receives the reason
/// inside [`CallError::Exit`](crate::CallError::Exit), and so does the server's
/// own `terminate` callback. `Normal`, `Shutdown` and `ShutdownWith` are the
/// orderly reasons (see [`is_normal`](Self::is_normal)); the others mean
/// something went wrong.
///
/// ```
/// use genserver::ExitReason;
///
/// let reason = ExitReason::custom("lost connection to the database");
/// assert_eq!(reason.to_string(), "lost connection to the database");
/// assert!(!reason.is_normal());
/// assert!(ExitReason::Shutdown.is_normal());
///
/// // `{:shutdown, :closed}`: orderly, with a term of its own.
/// let closed = ExitReason::shutdown("closed");
/// assert!(closed.is_normal());
/// assert_eq!(closed.to_string(), "shutdown: closed");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExitReason {
    /// The server finished its work: [`ServerRef::stop`](crate::ServerRef::stop)
    /// was called, or every handle to it was dropped.
    Normal,
    /// The server was asked to shut down, typically by its owner or supervisor.
    Shutdown,
    /// An orderly shutdown that says why: `{:shutdown, term}` in OTP. Like
    /// [`Shutdown`](Self::Shutdown), it is not a crash: a supervisor does not
    /// restart a transient child that exits with it.
    ShutdownWith(Arc<str>),
    /// The server was stopped by force, without running `terminate`: by
    /// [`ServerRef::kill`](crate::ServerRef::kill), by a start timeout, or
    /// because its task was cancelled (for example when the tokio runtime
    /// shut down).
    Killed,
    /// A handler, `init` or `terminate` panicked; the panic message is kept.
    Panic(Arc<str>),
    /// A reason of the user's own.
    Custom(Arc<str>),
    /// The server was already gone when it was monitored or linked: `noproc`.
    /// A [`Down`](crate::Down) notice of a monitor set on a server that had
    /// already stopped carries it, not the reason the server stopped with.
    NoProc,
}

impl ExitReason {
    /// A user-defined reason.
    pub fn custom(reason: impl Into<Arc<str>>) -> Self {
        Self::Custom(reason.into())
    }

    /// An orderly shutdown with a reason: `{:shutdown, term}`.
    pub fn shutdown(reason: impl Into<Arc<str>>) -> Self {
        Self::ShutdownWith(reason.into())
    }

    /// `true` for the orderly reasons, [`Normal`](Self::Normal),
    /// [`Shutdown`](Self::Shutdown) and [`ShutdownWith`](Self::ShutdownWith),
    /// as in OTP, where only other reasons are reported as crashes.
    pub fn is_normal(&self) -> bool {
        matches!(self, Self::Normal | Self::Shutdown | Self::ShutdownWith(_))
    }

    /// The panic message, when the reason is a panic.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            Self::Panic(message) => Some(message),
            _ => None,
        }
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Normal => f.write_str("normal"),
            Self::Shutdown => f.write_str("shutdown"),
            Self::ShutdownWith(reason) => write!(f, "shutdown: {reason}"),
            Self::Killed => f.write_str("killed"),
            Self::Panic(message) => write!(f, "panicked: {message}"),
            Self::Custom(reason) => f.write_str(reason),
            Self::NoProc => f.write_str("noproc"),
        }
    }
}

/// A server's exit reason, set once when it stops, and a way to wait for it.
///
/// Part of every server's shared state: the `Notify` that wakes waiters is
/// allocated by the first task that waits (most servers are never waited
/// for), so that it costs the others a pointer instead of 32 bytes.
#[derive(Debug)]
pub struct ExitSignal {
    reason: OnceLock<ExitReason>,
    notify: OnceLock<Box<Notify>>,
}

impl ExitSignal {
    pub(crate) fn new() -> Self {
        Self {
            reason: OnceLock::new(),
            notify: OnceLock::new(),
        }
    }

    pub(crate) fn get(&self) -> Option<&ExitReason> {
        self.reason.get()
    }

    /// Records the reason (the first one set wins) and wakes every waiter.
    pub(crate) fn set(&self, reason: ExitReason) {
        let _ = self.reason.set(reason);
        // Paired with the fence in `notified`: either this sees the waiter's
        // `Notify`, or the waiter, checking the reason after its fence,
        // sees the reason. (Without both fences, each could miss the
        // other's write.)
        fence(Ordering::SeqCst);
        if let Some(notify) = self.notify.get() {
            notify.notify_waiters();
        }
    }

    /// A future that completes once [`set`](Self::set) has been called after
    /// it was created. Check [`get`](Self::get) after creating it, not before.
    pub(crate) fn notified(&self) -> Notified<'_> {
        let notified = self
            .notify
            .get_or_init(|| Box::new(Notify::new()))
            .notified();
        fence(Ordering::SeqCst);
        notified
    }

    pub(crate) async fn wait(&self) -> ExitReason {
        loop {
            let notified = self.notified();
            if let Some(reason) = self.get() {
                return reason.clone();
            }
            notified.await;
        }
    }
}
