//! What can go wrong talking to a server.

use std::fmt;

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
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CastError<M> {
    /// The server is not running.
    #[error("no process: the server is not running")]
    NoProc(M),
}

impl<M> CastError<M> {
    /// The message that could not be delivered.
    pub fn into_message(self) -> M {
        match self {
            Self::NoProc(message) => message,
        }
    }
}

impl<M> fmt::Debug for CastError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoProc(_) => f.write_str("NoProc(..)"),
        }
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
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum StartError<T: GenServer> {
    /// `init` returned an error.
    #[error("init failed: {0}")]
    Init(T::InitError),
    /// The server stopped before `init` finished: `init` panicked
    /// ([`ExitReason::Panic`]) or the server was killed.
    #[error("server exited during init: {0}")]
    Exit(ExitReason),
    /// The name is registered to a running server of the same type, which
    /// this carries, as `{:error, {:already_started, pid}}` does.
    #[error("already started: {} is registered to {}", taken(.0), .0.id())]
    AlreadyStarted(ServerRef<T>),
    /// The name is registered to a running server of another type.
    #[error("the name `{0}` is registered to a server of another type")]
    NameInUse(String),
    /// `init` chose not to start the server (`:ignore`): it returned `None`.
    /// Nothing is left behind.
    #[error("init chose not to start the server")]
    Ignore,
    /// `init` did not finish within the start timeout and was killed.
    #[error("init did not finish within the start timeout")]
    Timeout,
    /// `start` was polled outside a tokio runtime, where no task can be spawned.
    #[error("no tokio runtime: start a server from within a tokio runtime")]
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
