//! What can go wrong talking to a server.

use std::fmt;

use sync_wrapper::SyncWrapper;

use crate::{ExitReason, GenServer, ServerRef};

/// Why a call got no reply.
///
/// ```
/// use genserver::{CallError, ExitReason};
///
/// let error = CallError::Exit(ExitReason::Panic("index out of bounds".into()));
/// assert_eq!(
///     error.to_string(),
///     "server exited before replying: panicked: index out of bounds",
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No reply within the call's timeout. The server is unaffected and its
    /// late reply, if any, is dropped.
    #[error("call timed out: the server did not reply in time")]
    Timeout,
    /// The server is not running (it stopped before the call was sent).
    #[error("no process: the server is not running")]
    NoProc,
    /// A server called itself, which would wait for ever; detected at once.
    #[error("calling self: a server cannot call itself, the call would deadlock")]
    CallingSelf,
    /// The server stopped before replying, with this reason: its handler
    /// panicked, or it was stopped while the call was queued.
    #[error("server exited before replying: {0}")]
    Exit(ExitReason),
    /// The call has a timeout, and the tokio runtime it runs on was built
    /// without the time driver that timeouts need. Nothing was sent. Build
    /// the runtime with `enable_time()` (or `enable_all()`, as
    /// `#[tokio::main]` does), or make the call with
    /// [`no_timeout`](crate::Call::no_timeout).
    #[error(
        "the call has a timeout but the tokio runtime has no time driver: enable it, or call `.no_timeout()`"
    )]
    NoTimeDriver,
}

impl CallError {
    /// The server's exit reason, when the server stopped before replying.
    pub fn exit_reason(&self) -> Option<&ExitReason> {
        match self {
            Self::Exit(reason) => Some(reason),
            _ => None,
        }
    }
}

/// Why a cast was not delivered. The message comes back.
///
/// The error is `Send + Sync` whenever the message is `Send`, as every
/// server's messages are, so `?` turns it into an `anyhow::Error` or a
/// `Box<dyn Error + Send + Sync>` even when a message holds a value that is
/// not `Sync` (a boxed `FnOnce + Send` job, say). For that, the message is
/// kept where only its owner can reach it: take it back with
/// [`into_message`](Self::into_message), or reach it through
/// [`message_mut`](Self::message_mut).
///
/// ```
/// use genserver::{CastError, Undelivered};
///
/// let mut error = CastError::NoProc(Undelivered::new(String::from("hello")));
/// assert!(error.is_no_proc());
/// error.message_mut().push('!');
/// assert_eq!(error.to_string(), "no process: the server is not running");
/// assert_eq!(error.into_message(), "hello!");
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum CastError<M> {
    /// The server is not running.
    #[error("no process: the server is not running")]
    NoProc(Undelivered<M>),
}

impl<M> CastError<M> {
    /// The message that could not be delivered.
    pub fn into_message(self) -> M {
        match self {
            Self::NoProc(message) => message.into_inner(),
        }
    }

    /// The message that could not be delivered, to look at or change.
    pub fn message_mut(&mut self) -> &mut M {
        match self {
            Self::NoProc(message) => message.get_mut(),
        }
    }

    /// `true` when the server was not running.
    pub fn is_no_proc(&self) -> bool {
        matches!(self, Self::NoProc(_))
    }

    pub(crate) fn no_proc(message: M) -> Self {
        Self::NoProc(Undelivered::new(message))
    }
}

impl<M> fmt::Debug for CastError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoProc(_) => f.write_str("NoProc(..)"),
        }
    }
}

/// A message a cast could not deliver, held so that only its owner reaches
/// it: which makes [`CastError`] `Sync` whatever the message, as an error
/// must be to travel in `anyhow::Error` or `Box<dyn Error + Send + Sync>`.
pub struct Undelivered<M>(SyncWrapper<M>);

impl<M> Undelivered<M> {
    /// Holds `message`.
    pub fn new(message: M) -> Self {
        Self(SyncWrapper::new(message))
    }

    /// The message back.
    pub fn into_inner(self) -> M {
        self.0.into_inner()
    }

    /// The message, to look at or change.
    pub fn get_mut(&mut self) -> &mut M {
        self.0.get_mut()
    }
}

impl<M> fmt::Debug for Undelivered<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Undelivered(..)")
    }
}

/// Why [`ServerRef::stop`] or [`ServerRef::stop_with`] did not stop the
/// server the way it asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StopError {
    /// The server was not running.
    #[error("no process: the server is not running")]
    NoProc,
    /// A server tried to stop itself from inside one of its handlers, which
    /// would wait for ever. Return from the handler instead.
    #[error("calling self: a server cannot wait for its own stop")]
    CallingSelf,
    /// The server did not finish stopping within the timeout. It goes on
    /// stopping; it is not killed.
    #[error("the server did not stop within the timeout")]
    Timeout,
    /// The server stopped, but for another reason than the one asked for
    /// (it panicked first, or its `terminate` panicked).
    #[error("the server exited with another reason: {0}")]
    Exit(ExitReason),
}

/// Why [`Context::link`](crate::Context::link) made no link.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The server to link to is not running.
    #[error("no process: the server to link to is not running")]
    NoProc,
}

/// What a taken name is called in a message: the name, or the key of a
/// via name.
fn taken<T: GenServer>(server: &ServerRef<T>) -> String {
    server
        .name()
        .map_or_else(|| "the key".to_owned(), |name| format!("the name `{name}`"))
}

/// Why a server did not start.
#[non_exhaustive]
pub enum StartError<T: GenServer> {
    /// `init` returned an error. When its type implements
    /// [`std::error::Error`], it is this error's
    /// [`source`](std::error::Error::source) (and this error's message does
    /// not repeat it); otherwise the message shows it.
    Init(T::InitError),
    /// The server stopped before `init` finished: `init` panicked
    /// ([`ExitReason::Panic`]) or the server was killed.
    Exit(ExitReason),
    /// The name is registered to a running server of the same type, which
    /// this carries, as `{:error, {:already_started, pid}}` does.
    AlreadyStarted(ServerRef<T>),
    /// The name is registered to a running server of another type.
    NameInUse(String),
    /// `init` chose not to start the server (`:ignore`): it returned `None`.
    /// Nothing is left behind.
    Ignore,
    /// `init` did not finish within the start timeout and was killed.
    Timeout,
    /// `start` was polled outside a tokio runtime, where no task can be spawned.
    NoRuntime,
}

impl<T: GenServer> fmt::Debug for StartError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Init(error) => f.debug_tuple("Init").field(error).finish(),
            Self::Exit(reason) => f.debug_tuple("Exit").field(reason).finish(),
            Self::AlreadyStarted(server) => f.debug_tuple("AlreadyStarted").field(server).finish(),
            Self::NameInUse(name) => f.debug_tuple("NameInUse").field(name).finish(),
            Self::Ignore => f.write_str("Ignore"),
            Self::Timeout => f.write_str("Timeout"),
            Self::NoRuntime => f.write_str("NoRuntime"),
        }
    }
}

impl<T: GenServer> fmt::Display for StartError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Init(error) if T::init_error_source(error).is_some() => {
                f.write_str("init failed")
            }
            Self::Init(error) => write!(f, "init failed: {error}"),
            Self::Exit(reason) => write!(f, "server exited during init: {reason}"),
            Self::AlreadyStarted(server) => write!(
                f,
                "already started: {} is registered to {}",
                taken(server),
                server.id()
            ),
            Self::NameInUse(name) => {
                write!(
                    f,
                    "the name `{name}` is registered to a server of another type"
                )
            }
            Self::Ignore => f.write_str("init chose not to start the server"),
            Self::Timeout => f.write_str("init did not finish within the start timeout"),
            Self::NoRuntime => {
                f.write_str("no tokio runtime: start a server from within a tokio runtime")
            }
        }
    }
}

impl<T: GenServer> std::error::Error for StartError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Init(error) => T::init_error_source(error),
            _ => None,
        }
    }
}
