//! Showing values whose type may or may not implement `Debug`: the
//! arguments in a message's `Debug`, and a server's state, for crash
//! reports, traces and [`sys::format_state`](crate::sys::format_state).
//!
//! Generated code asks `(&&Show(value)).__genserver_debug()`: method lookup
//! tries `&Show<T>` first, whose impl needs `T: Debug`, and falls back to
//! `Show<T>`, which has no bound. The choice is made where the type is
//! concrete, in the user's crate; in generic code it takes the fallback
//! unless the generics are bounded by `Debug`.

use std::fmt;

/// A value to show, if its type can be shown.
#[doc(hidden)]
#[derive(Debug)]
pub struct Show<'a, T: ?Sized>(pub &'a T);

/// Picked when the value's type implements `Debug`.
#[doc(hidden)]
pub trait ShowDebug<'a> {
    fn __genserver_debug(&self) -> Option<&'a dyn fmt::Debug>;

    /// The value as a message argument shows it.
    fn __genserver_arg(&self) -> Arg<'a> {
        Arg(self.__genserver_debug())
    }
}

impl<'a, T: fmt::Debug> ShowDebug<'a> for &Show<'a, T> {
    fn __genserver_debug(&self) -> Option<&'a dyn fmt::Debug> {
        Some(self.0)
    }
}

/// Picked otherwise.
#[doc(hidden)]
pub trait ShowOpaque<'a> {
    fn __genserver_debug(&self) -> Option<&'a dyn fmt::Debug>;

    /// The value as a message argument shows it: `_`.
    fn __genserver_arg(&self) -> Arg<'a> {
        Arg(self.__genserver_debug())
    }
}

impl<'a, T: ?Sized> ShowOpaque<'a> for Show<'a, T> {
    fn __genserver_debug(&self) -> Option<&'a dyn fmt::Debug> {
        None
    }
}

/// Picked when the value's type implements `Error`: an init error given as
/// the source of [`StartError::Init`](crate::StartError::Init).
#[doc(hidden)]
pub trait ShowError<'a> {
    fn __genserver_error(&self) -> Option<&'a (dyn std::error::Error + 'static)>;
}

impl<'a, T: std::error::Error + 'static> ShowError<'a> for &Show<'a, T> {
    fn __genserver_error(&self) -> Option<&'a (dyn std::error::Error + 'static)> {
        Some(self.0)
    }
}

/// Picked otherwise: no source.
#[doc(hidden)]
pub trait ShowNoError<'a> {
    fn __genserver_error(&self) -> Option<&'a (dyn std::error::Error + 'static)>;
}

impl<'a, T: ?Sized> ShowNoError<'a> for Show<'a, T> {
    fn __genserver_error(&self) -> Option<&'a (dyn std::error::Error + 'static)> {
        None
    }
}

/// A message argument: its `Debug`, or `_`.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Arg<'a>(pub Option<&'a dyn fmt::Debug>);

impl fmt::Debug for Arg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(shown) => shown.fmt(f),
            None => f.write_str("_"),
        }
    }
}

/// A server's state: its `Debug`, or a note saying it has none.
#[doc(hidden)]
pub fn format_state(
    f: &mut fmt::Formatter<'_>,
    shown: Option<&dyn fmt::Debug>,
    type_name: &str,
) -> fmt::Result {
    match shown {
        Some(shown) => shown.fmt(f),
        None => write!(f, "<{type_name} does not implement Debug>"),
    }
}

/// Shows a server's state through its [`GenServer::format_state`](crate::GenServer::format_state).
pub(crate) struct State<'a, T>(pub(crate) &'a T);

impl<T: crate::GenServer> fmt::Debug for State<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.format_state(f)
    }
}
