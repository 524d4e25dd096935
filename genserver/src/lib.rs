//! Erlang/Elixir's `GenServer` for Rust, on tokio.
//!
//! Write a plain struct and an impl block; `#[gen_server]` turns it into a
//! server: state owned by one task, changed one message at a time, reached
//! through a typed client with one function per handler.
//!
//! ```
//! use genserver::prelude::*;
//! use std::collections::HashMap;
//!
//! #[derive(Default)]
//! pub struct KeyValue {
//!     map: HashMap<String, String>,
//! }
//!
//! #[gen_server]
//! impl KeyValue {
//!     /// A call: the caller waits for the reply.
//!     #[call]
//!     pub fn get(&mut self, key: String) -> Option<String> {
//!         self.map.get(&key).cloned()
//!     }
//!
//!     /// A cast: fire and forget.
//!     #[cast]
//!     pub fn put(&mut self, key: String, value: String) {
//!         self.map.insert(key, value);
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = KeyValue::start(KeyValue::default()).await?;
//! server.put("hello".into(), "world".into())?;
//! assert_eq!(server.get("hello".into()).await?, Some("world".into()));
//! server.stop().await?;
//! # Ok(()) }
//! ```
//!
//! # What you get, and what OTP calls it
//!
//! | genserver | Elixir |
//! |---|---|
//! | `T::start(arg)` | `GenServer.start(Module, arg)` |
//! | `T::start_named(name, arg)` | `GenServer.start(Module, arg, name: name)` |
//! | [`whereis::<T>(name)`](whereis) | `GenServer.whereis(name)` |
//! | `server.handler(args).await` (a `#[call]`) | `GenServer.call(pid, msg)`, 5 s timeout |
//! | `server.handler(args).timeout(d).await` | `GenServer.call(pid, msg, timeout)` |
//! | `server.handler(args)` (a `#[cast]`) | `GenServer.cast(pid, msg)` |
//! | [`server.stop()`](ServerRef::stop) | `GenServer.stop(pid)` |
//! | [`server.stop_with(reason, timeout)`](ServerRef::stop_with) | `GenServer.stop(pid, reason, timeout)` |
//! | `#[init]`, `#[terminate]` | `init/1`, `terminate/2` |
//! | [`ExitReason`] | exit reasons: `:normal`, `:shutdown`, `:killed`, crashes |
//!
//! # Guarantees
//!
//! - A server handles one message at a time, in mailbox order; what one
//!   client sends arrives in the order sent.
//! - A call ends with exactly one of its reply, [`CallError::Timeout`],
//!   [`CallError::NoProc`] (at once), [`CallError::CallingSelf`] (at once), or
//!   the server's exit reason ([`CallError::Exit`]). It never hangs past its
//!   timeout.
//! - A cast never blocks and never panics.
//! - A panic in a handler stops that server only: its `terminate` runs, its
//!   name is freed, and its callers get the panic message.
//! - `start` returns once `init` has finished; a failed start leaves no task
//!   and no name behind.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod call;
mod error;
mod exit;
mod lifecycle;
mod mailbox;
mod panic;
mod registry;
mod reply;
mod server;
mod server_ref;

pub use call::{Call, DEFAULT_CALL_TIMEOUT};
pub use error::{CallError, CastError, StartError, StopError};
pub use exit::ExitReason;
pub use registry::whereis;
pub use reply::ReplyTo;
pub use server::GenServer;
pub use server_ref::{ServerId, ServerRef};

/// Turns an inherent impl block into a server, as `use GenServer` does for
/// an Elixir module.
///
/// Mark methods with what they are; every other method stays an ordinary
/// method:
///
/// | attribute | signature | becomes |
/// |---|---|---|
/// | `#[call]` | `fn name(&mut self or &self, args..) -> Reply`, may be `async` | a client function `name(args..)` returning a [`Call`] that resolves to `Result<Reply, CallError>` |
/// | `#[cast]` | `fn name(&mut self or &self, args..)`, may be `async` | a client function `name(args..)` returning `Result<(), CastError<_>>` at once |
/// | `#[init]` | `fn name(args..) -> Self` or `-> Result<Self, E>`, may be `async` | what `start(args..)` runs inside the new server before returning |
/// | `#[terminate]` | `fn name(&mut self)` or `fn name(&mut self, reason: &ExitReason)`, may be `async` | what runs once when the server stops |
///
/// For `impl MyServer`, the attribute generates:
///
/// - `MyServerMsg`, the message enum: one variant per call or cast, named
///   after the method in `UpperCamelCase` (`get_all` → `GetAll { .. }`),
///   whose fields are the handler's arguments; call variants also carry the
///   [`ReplyTo`] slot of their reply;
/// - `MyServerClient`, which [`ServerRef<MyServer>`](ServerRef) dereferences
///   to, with one function per handler, named and documented like it;
/// - `impl GenServer for MyServer`: the dispatch from message to handler, and
///   the callbacks you did not write (`init` takes the state itself, as
///   `start(state)`; `terminate` does nothing);
/// - `MyServer::start(..)` and `MyServer::start_named(name, ..)`.
///
/// Arguments and replies must be owned and `Send + 'static`: they move
/// between tasks. Generic impls work; their type parameters get
/// `Send + 'static` bounds added.
///
/// # Arguments
///
/// - `message = Name`: the message enum's name (default `{Type}Msg`);
/// - `client = Name`: the client's name (default `{Type}Client`);
/// - `crate = path`: where `genserver` is, for crates that re-export it
///   (default `::genserver`).
///
/// # Example
///
/// ```
/// use genserver::prelude::*;
///
/// pub struct Stack {
///     items: Vec<String>,
/// }
///
/// #[gen_server(message = StackRequest)]
/// impl Stack {
///     #[init]
///     fn init(first: String) -> Result<Self, String> {
///         if first.is_empty() {
///             return Err("the first item is empty".into());
///         }
///         Ok(Stack { items: vec![first] })
///     }
///
///     /// Pushes an item; fire and forget.
///     #[cast]
///     pub fn push(&mut self, item: String) {
///         self.items.push(item);
///     }
///
///     /// Pops the top item.
///     #[call]
///     pub fn pop(&mut self) -> Option<String> {
///         self.items.pop()
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let stack = Stack::start("hello".into()).await?;
/// stack.push("world".into())?;
/// assert_eq!(stack.pop().await?, Some("world".into()));
/// assert_eq!(stack.pop().await?, Some("hello".into()));
/// assert_eq!(stack.pop().await?, None);
///
/// // The message enum is an ordinary type.
/// let _: fn(String) -> StackRequest = |item| StackRequest::Push { item };
///
/// let error = Stack::start(String::new()).await.unwrap_err();
/// assert_eq!(error.to_string(), "init failed: the first item is empty");
/// # Ok(()) }
/// ```
pub use genserver_macros::gen_server;

/// Marks a call handler in a [`#[gen_server]`](gen_server) impl block: the
/// caller waits for the reply. Used anywhere else, it is a compile error.
pub use genserver_macros::call;

/// Marks a cast handler in a [`#[gen_server]`](gen_server) impl block: fire
/// and forget. Used anywhere else, it is a compile error.
pub use genserver_macros::cast;

/// Marks the init callback of a [`#[gen_server]`](gen_server) impl block.
/// Used anywhere else, it is a compile error.
pub use genserver_macros::init;

/// Marks the terminate callback of a [`#[gen_server]`](gen_server) impl
/// block. Used anywhere else, it is a compile error.
pub use genserver_macros::terminate;

/// What a module using servers needs: `use genserver::prelude::*;`.
pub mod prelude {
    pub use crate::{
        CallError, CastError, ExitReason, GenServer, ServerRef, StartError, StopError, call, cast,
        gen_server, init, terminate,
    };
}

/// What code generated by `#[gen_server]` uses. Not public API: it may change
/// in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::lifecycle::start;
    pub use crate::server_ref::{ClientOf, RawRef};
    pub use crate::{Call, CastError, ExitReason, GenServer, ReplyTo, ServerRef, StartError};
}
