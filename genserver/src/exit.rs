//! Why a server stopped.

use std::fmt;
use std::sync::{Arc, OnceLock};

use tokio::sync::Notify;
use tokio::sync::futures::Notified;

/// Why a server stopped: the exit reason of OTP.
///
/// Every caller still waiting on a server when it stops receives the reason
/// inside [`CallError::Exit`](crate::CallError::Exit), and so does the server's
/// own `terminate` callback. `Normal` and `Shutdown` are the orderly reasons
/// (see [`is_normal`](Self::is_normal)); the others mean something went wrong.
///
/// ```
/// use genserver::ExitReason;
///
/// let reason = ExitReason::custom("lost connection to the database");
/// assert_eq!(reason.to_string(), "lost connection to the database");
/// assert!(!reason.is_normal());
/// assert!(ExitReason::Shutdown.is_normal());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExitReason {
    /// The server finished its work: [`ServerRef::stop`](crate::ServerRef::stop)
    /// was called, or every handle to it was dropped.
    Normal,
    /// The server was asked to shut down, typically by its owner or supervisor.
    Shutdown,
    /// The server was stopped by force: it did not finish `terminate` within the
    /// timeout given to [`ServerRef::stop_with`](crate::ServerRef::stop_with),
    /// or its task was cancelled (for example because the tokio runtime shut down).
    Killed,
    /// A handler, `init` or `terminate` panicked; the panic message is kept.
    Panic(Arc<str>),
    /// A reason of the user's own.
    Custom(Arc<str>),
}

impl ExitReason {
    /// A user-defined reason.
    pub fn custom(reason: impl Into<Arc<str>>) -> Self {
        Self::Custom(reason.into())
    }

    /// `true` for the orderly reasons, [`Normal`](Self::Normal) and
    /// [`Shutdown`](Self::Shutdown), as in OTP, where only other reasons are
    /// reported as crashes.
    pub fn is_normal(&self) -> bool {
        matches!(self, Self::Normal | Self::Shutdown)
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
            Self::Killed => f.write_str("killed"),
            Self::Panic(message) => write!(f, "panicked: {message}"),
            Self::Custom(reason) => f.write_str(reason),
        }
    }
}

/// A server's exit reason, set once when it stops, and a way to wait for it.
pub(crate) struct ExitSignal {
    reason: OnceLock<ExitReason>,
    notify: Notify,
}

impl ExitSignal {
    pub(crate) fn new() -> Self {
        Self {
            reason: OnceLock::new(),
            notify: Notify::new(),
        }
    }

    pub(crate) fn get(&self) -> Option<&ExitReason> {
        self.reason.get()
    }

    /// Records the reason (the first one set wins) and wakes every waiter.
    pub(crate) fn set(&self, reason: ExitReason) {
        let _ = self.reason.set(reason);
        self.notify.notify_waiters();
    }

    /// A future that completes once [`set`](Self::set) has been called after
    /// it was created. Check [`get`](Self::get) after creating it, not before.
    pub(crate) fn notified(&self) -> Notified<'_> {
        self.notify.notified()
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
