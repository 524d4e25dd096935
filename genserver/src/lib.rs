//! Erlang/Elixir's `GenServer` for Rust, on tokio.
//!
//! Write a plain struct and an impl block; [`#[gen_server]`](gen_server)
//! turns it into a server: state owned by one task, changed one message at a
//! time, reached through a typed client with one function per handler. The
//! runtime gives OTP's guarantees: `start` returns once `init` has run, calls
//! time out instead of hanging, a crash reaches its callers as an error and
//! stops that server only, and servers can be found by name.
//!
//! # Tutorial: the key-value server of "What is `GenServer`?"
//!
//! Elixir's article builds a key-value store in four steps. Here they are in
//! Rust.
//!
//! ## 1. The state and `init`
//!
//! In Elixir, `init/1` receives the start argument and returns the initial
//! state. In Rust the state is your own struct. Without an `#[init]` handler,
//! `start` takes the state itself, as `use GenServer`'s default `init/1`
//! would; with one, `start` takes its arguments and runs it inside the new
//! server, returning once it has finished:
//!
//! ```
//! use genserver::prelude::*;
//! use std::collections::HashMap;
//!
//! pub struct Store {
//!     map: HashMap<String, String>,
//! }
//!
//! #[gen_server]
//! impl Store {
//!     /// `init/1`: builds the state inside the new server.
//!     #[init]
//!     fn init(entries: Vec<(String, String)>) -> Result<Self, String> {
//!         if entries.iter().any(|(key, _)| key.is_empty()) {
//!             return Err("empty keys are not allowed".into());
//!         }
//!         Ok(Store { map: entries.into_iter().collect() })
//!     }
//!
//!     #[call]
//!     fn len(&self) -> usize {
//!         self.map.len()
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Store::start(vec![("a".into(), "1".into())]).await?;
//! assert_eq!(store.len().await?, 1);
//!
//! // `{:stop, reason}` from init: start returns the error, and no server is left.
//! let error = Store::start(vec![(String::new(), "x".into())]).await.unwrap_err();
//! assert_eq!(error.to_string(), "init failed: empty keys are not allowed");
//! # Ok(()) }
//! ```
//!
//! ## 2. `handle_cast`: fire and forget
//!
//! A `#[cast]` handler takes `&mut self` and its arguments and returns
//! nothing. Its client function sends the message and returns at once; the
//! `Result` only says whether the server was running.
//!
//! ## 3. `handle_call`: ask and wait
//!
//! A `#[call]` handler returns the reply. Its client function returns a
//! [`Call`], a future that resolves to `Result<Reply, CallError>`, with a
//! 5-second timeout you can change per call:
//!
//! ```
//! use genserver::prelude::*;
//! use std::collections::HashMap;
//! use std::time::Duration;
//!
//! #[derive(Default)]
//! pub struct KeyValue {
//!     map: HashMap<String, String>,
//! }
//!
//! #[gen_server]
//! impl KeyValue {
//!     /// `handle_cast({:put, key, value}, map)`.
//!     #[cast]
//!     pub fn put(&mut self, key: String, value: String) {
//!         self.map.insert(key, value);
//!     }
//!
//!     /// `handle_call({:get, key}, _from, map)`.
//!     #[call]
//!     pub fn get(&mut self, key: String) -> Option<String> {
//!         self.map.get(&key).cloned()
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = KeyValue::start(KeyValue::default()).await?;
//! server.put("hello".into(), "world".into())?; // GenServer.cast/2
//! // A call sent after a cast by the same client sees the cast's effect.
//! assert_eq!(server.get("hello".into()).await?, Some("world".into())); // GenServer.call/3
//! let quick = server.get("hello".into()).timeout(Duration::from_millis(50)).await?;
//! assert_eq!(quick, Some("world".into()));
//! # Ok(()) }
//! ```
//!
//! ## 4. Names
//!
//! `start_named` registers the server under a name before `init` runs;
//! [`whereis`] finds it again, typed, and the name is free once the server
//! has stopped:
//!
//! ```
//! # use genserver::prelude::*;
//! # #[derive(Default)] struct KeyValue { map: std::collections::HashMap<String, String> }
//! # #[gen_server] impl KeyValue {
//! #     #[cast] fn put(&mut self, key: String, value: String) { self.map.insert(key, value); }
//! #     #[call] fn get(&mut self, key: String) -> Option<String> { self.map.get(&key).cloned() }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let named = KeyValue::start_named("cache", KeyValue::default()).await?;
//! let found = genserver::whereis::<KeyValue>("cache").expect("registered");
//! found.put("k".into(), "v".into())?;
//! assert_eq!(named.get("k".into()).await?, Some("v".into()));
//!
//! // A second server under the same name is refused, with the first one.
//! let again = KeyValue::start_named("cache", KeyValue::default()).await;
//! assert!(matches!(again, Err(StartError::AlreadyStarted(first)) if first == named));
//!
//! named.stop().await?; // GenServer.stop/1: terminate has run when it returns
//! assert!(genserver::whereis::<KeyValue>("cache").is_none());
//! assert_eq!(named.get("k".into()).await, Err(CallError::NoProc));
//! # Ok(()) }
//! ```
//!
//! ## 5. Crashes
//!
//! A panic in a handler stops that server only. Its `#[terminate]` runs with
//! the reason, its name is freed, and the caller, and every caller queued
//! behind it, gets the panic message:
//!
//! ```
//! use genserver::prelude::*;
//!
//! struct Fragile;
//!
//! #[gen_server]
//! impl Fragile {
//!     #[call]
//!     fn divide(&self, a: u32, b: u32) -> u32 {
//!         a.checked_div(b).expect("division by zero")
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Fragile::start(Fragile).await?;
//! assert_eq!(server.divide(6, 3).await?, 2);
//! let error = server.divide(1, 0).await.unwrap_err();
//! assert_eq!(error.to_string(), "server exited before replying: panicked: division by zero");
//! assert_eq!(server.exited().await, ExitReason::Panic("division by zero".into()));
//! # Ok(()) }
//! ```
//!
//! ## 6. Beyond call and cast: info messages, timers, continue, stopping
//!
//! `#[info]` handlers take the messages that are not part of the client
//! API: timers, notices, messages a server sends itself (`handle_info/2`).
//! Any handler may take the server's [`Context`] to arm timers, continue,
//! set an idle timeout or stop; a `#[call]` may take its [`ReplyTo`] to
//! answer later:
//!
//! ```
//! use genserver::prelude::*;
//! use std::time::Duration;
//!
//! #[derive(Default)]
//! struct Batcher {
//!     items: Vec<String>,
//!     waiting: Vec<ReplyTo<Vec<String>>>,
//! }
//!
//! #[gen_server]
//! impl Batcher {
//!     #[init]
//!     fn init(ctx: &mut Context<Self>) -> Self {
//!         // `:timer.send_interval(100, :flush)`
//!         ctx.send_interval(Duration::from_millis(100), || BatcherInfo::Flush);
//!         Batcher::default()
//!     }
//!
//!     #[cast]
//!     fn add(&mut self, item: String) {
//!         self.items.push(item);
//!     }
//!
//!     /// Waits for the next flush: `{:noreply, state}`, then `GenServer.reply/2`.
//!     #[call]
//!     fn next_batch(&mut self, reply: ReplyTo<Vec<String>>) {
//!         self.waiting.push(reply);
//!     }
//!
//!     /// `{:stop, :normal, :ok, state}`: the reply goes once `terminate` has run.
//!     #[call]
//!     fn close(&mut self, ctx: &mut Context<Self>) -> usize {
//!         ctx.stop(ExitReason::Normal);
//!         self.items.len()
//!     }
//!
//!     /// `handle_info(:flush, state)`.
//!     #[info]
//!     fn flush(&mut self) {
//!         let batch = std::mem::take(&mut self.items);
//!         for reply in self.waiting.drain(..) {
//!             let _ = reply.send(batch.clone());
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let batcher = Batcher::start().await?;
//! batcher.add("a".into())?;
//! batcher.add("b".into())?;
//! assert_eq!(batcher.next_batch().await?, ["a", "b"]);
//! batcher.add("c".into())?;
//! assert_eq!(batcher.close().await?, 1);
//! assert_eq!(batcher.exited().await, ExitReason::Normal);
//! # Ok(()) }
//! ```
//!
//! ## 7. Links, monitors and supervisors
//!
//! A server started with `start_link` from a handler is linked to the
//! server that started it: when one crashes, so does the other, unless it
//! traps exits ([`Context::trap_exits`]) and takes an [`Exit`] notice
//! instead. [`Context::monitor`] delivers a [`Down`] notice when the other
//! stops. Both come through `#[info]` handlers that take them. A
//! [`Supervisor`] restarts its children when they crash; a
//! [`DynamicSupervisor`] holds children started at run time. See the
//! [`supervisor`] module for a whole tree.
//!
//! ```
//! use genserver::prelude::*;
//! use std::collections::HashMap;
//!
//! #[derive(Clone)]
//! struct Room;
//!
//! #[gen_server]
//! impl Room {
//!     #[cast]
//!     fn close(&mut self, ctx: &mut Context<Self>) {
//!         ctx.stop(ExitReason::shutdown("closed"));
//!     }
//! }
//!
//! struct Lobby {
//!     rooms: ServerRef<DynamicSupervisor>,
//!     open: HashMap<MonitorRef, String>,
//! }
//!
//! #[gen_server]
//! impl Lobby {
//!     #[call]
//!     async fn open(&mut self, name: String, ctx: &mut Context<Self>) -> Option<ServerRef<Room>> {
//!         let room = self.rooms.start_child(Room::child_spec(Room)).await.ok()?;
//!         let room = room.downcast::<Room>().ok()?;
//!         // `Process.monitor(room)`
//!         self.open.insert(ctx.monitor(&room), name);
//!         Some(room)
//!     }
//!
//!     #[call]
//!     fn count(&self) -> usize {
//!         self.open.len()
//!     }
//!
//!     /// `handle_info({:DOWN, ref, :process, _pid, _reason}, state)`
//!     #[info]
//!     fn room_down(&mut self, down: Down) {
//!         self.open.remove(&down.monitor);
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let rooms = DynamicSupervisor::start(DynamicSupervisorOptions::new()).await?;
//! let lobby = Lobby::start(Lobby { rooms, open: HashMap::new() }).await?;
//! let room = lobby.open("general".into()).await?.expect("opened");
//! assert_eq!(lobby.count().await?, 1);
//! room.close()?;
//! room.exited().await;
//! assert_eq!(lobby.count().await?, 0); // the `Down` notice came first
//! # Ok(()) }
//! ```
//!
//! # What you get, and what OTP calls it
//!
//! | genserver | Elixir |
//! |---|---|
//! | `T::start(arg)` | `GenServer.start(Module, arg)` |
//! | `T::start_named(name, arg)` | `GenServer.start(Module, arg, name: name)` |
//! | [`whereis::<T>(name)`](whereis), [`ServerRef::by_name`] | `GenServer.whereis(name)` |
//! | `server.handler(args).await` (a `#[call]`) | `GenServer.call(pid, msg)`, 5 s timeout |
//! | `server.handler(args).timeout(d).await`, [`.no_timeout()`](Call::no_timeout) | `GenServer.call(pid, msg, timeout)`, `:infinity` |
//! | `server.handler(args)` (a `#[cast]`) | `GenServer.cast(pid, msg)` |
//! | [`server.send_info(info)`](ServerRef::send_info) | `send(pid, msg)` |
//! | [`server.stop()`](ServerRef::stop) | `GenServer.stop(pid)` |
//! | [`server.stop_with(reason, timeout)`](ServerRef::stop_with) | `GenServer.stop(pid, reason, timeout)` |
//! | [`server.kill()`](ServerRef::kill) | `Process.exit(pid, :kill)` |
//! | [`server.exited().await`](ServerRef::exited) | a monitor's `:DOWN` message |
//! | `#[init]`, `#[terminate]`, `#[info]` | `init/1`, `terminate/2`, `handle_info/2` |
//! | [`Context`]: `stop`, `continue_with`, `idle_timeout`, `hibernate` | `{:stop, ..}`, `{:continue, ..}`, a timeout, `:hibernate` in a callback's return |
//! | a `#[call]` taking [`ReplyTo`] | `{:noreply, state}` and `GenServer.reply/2` |
//! | [`send_after`], [`send_interval`], [`TimerRef::cancel`] | `Process.send_after/3`, `:timer.send_interval/3`, `Process.cancel_timer/1` |
//! | [`StartOptions`] | `name:` and `timeout:` options of `GenServer.start/3` |
//! | [`ExitReason`] | exit reasons: `:normal`, `:shutdown`, `{:shutdown, term}`, `:killed`, crashes |
//! | [`sys`]: `format_state`, `get_state`, `replace_state`, `get_status`, `suspend`, `resume`, `trace`, `statistics` | `:sys` |
//! | [`sys::processes`] | `Process.list/0` with `Process.info/1` |
//! | crash reports through `tracing` (the default `tracing` feature), [`sys::recent_crashes`] | the logger's crash and supervisor reports |
//!
//! # Guarantees
//!
//! - A server handles one message at a time, in mailbox order; what one
//!   client sends arrives in the order sent.
//! - A call ends with exactly one of: its reply, [`CallError::Timeout`],
//!   [`CallError::NoProc`] (at once), [`CallError::CallingSelf`] (at once),
//!   or the server's exit reason ([`CallError::Exit`]). It never hangs past
//!   its timeout, and a late reply is dropped.
//! - A cast never blocks and never panics.
//! - A panic in a handler stops that server only: its `terminate` runs, its
//!   name is freed, and its callers get the panic message.
//! - `start` returns once `init` has finished; a failed start leaves no task
//!   and no name behind.
//! - When the last handle to an unnamed server is dropped, it handles what is
//!   already in its mailbox, then stops normally: nothing leaks (see
//!   [`ServerRef`]). Its pending timers do not keep it running.
//! - Once [`TimerRef::cancel`] returns `true`, the timer's message will never
//!   be handled, even if it had already expired.
//!
//! # More
//!
//! The repository's `examples/` directory has runnable examples, each with
//! its full expansion beside it (`examples/NAME-expanded.rs`), so you can read
//! exactly what `#[gen_server]` writes.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

mod call;
mod context;
mod deadline;
mod error;
mod exit;
mod id_hash;
mod keyed;
mod lifecycle;
mod link;
mod mailbox;
mod options;
mod panic;
mod process;
mod receive;
mod registry;
mod reply;
mod report;
mod room;
mod server;
mod server_ref;
mod show;
pub mod supervisor;
pub mod sys;
mod timer;

pub use call::{Call, DEFAULT_CALL_TIMEOUT};
pub use context::Context;
pub use error::{CallError, CastError, LinkError, StartError, StopError, Undelivered};
pub use exit::ExitReason;
pub use keyed::{Keys, Registry, RegistryError};
pub use link::{Down, Exit, Monitor, MonitorRef, ReceivesDown, ReceivesExit};
pub use options::StartOptions;
pub use process::{AnyRef, ServerHandle};
pub use registry::{registered, whereis};
pub use reply::ReplyTo;
pub use server::GenServer;
pub use server_ref::{ClientOf, ServerId, ServerRef, WeakRef};
pub use supervisor::{
    ChildError, ChildSpec, DynamicSupervisor, DynamicSupervisorOptions, Restart, Shutdown,
    Strategy, Supervisor, SupervisorOptions,
};
pub use timer::{TimerRef, send_after, send_interval};

/// Turns an inherent impl block into a server, as `use GenServer` does for
/// an Elixir module.
///
/// Mark methods with what they are; every other method stays an ordinary
/// method:
///
/// | attribute | signature | becomes |
/// |---|---|---|
/// | `#[call]` | `fn name(&mut self or &self, args..) -> Reply`, may be `async` | a client function `name(args..)` returning a [`Call`] that resolves to `Result<Reply, CallError>` |
/// | `#[call]`, deferred | `fn name(&mut self, args.., reply: ReplyTo<Reply>)`, no return type | the same client function; the handler answers through the [`ReplyTo`], now or later, from anywhere |
/// | `#[cast]` | `fn name(&mut self or &self, args..)`, may be `async` | a client function `name(args..)` returning `Result<(), CastError<_>>` at once |
/// | `#[call(timeout = ms or infinity)]` | as `#[call]` | the same client function, whose call waits `ms` milliseconds (or without a limit) unless the caller sets a timeout: the timeout an Elixir client function passes to `GenServer.call/3` |
/// | `#[info]` | `fn name(&mut self or &self, args..)`, may be `async` | a variant `Name { args.. }` (or `Name` without arguments) of the info enum, handled when it arrives: `handle_info/2` |
/// | `#[info]` taking one [`Down`] or one [`Exit`] | `fn name(&mut self, down: Down)` | also where monitor notices ([`Context::monitor`]) or trapped exits ([`Context::trap_exits`]) arrive: `handle_info({:DOWN, ..})`, `handle_info({:EXIT, ..})`. The type is recognised by its name, `Down` or `Exit` |
/// | `#[init]` | `fn name(args..) -> Self`, `-> Result<Self, E>`, `-> Option<Self>` or `-> Result<Option<Self>, E>`, may be `async` | what `start(args..)` runs inside the new server before returning; `None` chooses not to start (`:ignore`) |
/// | `#[terminate]` | `fn name(&mut self)` or `fn name(&mut self, reason: &ExitReason)`, may be `async` | what runs once when the server stops |
///
/// `#[init]`, `#[call]`, `#[cast]` and `#[info]` handlers may also take the
/// server's [`Context`] anywhere in their arguments, as `ctx: &mut
/// Context<Self>` (or `&Context<Self>`): to stop, continue, set an idle
/// timeout, arm timers or get their own handle. It is not part of the
/// message, and handlers that do not take it pay nothing.
///
/// For `impl MyServer`, the attribute generates:
///
/// - `MyServerMsg`, the message enum: one variant per call or cast, named
///   after the method in `UpperCamelCase` (`get_all` → `GetAll { .. }`),
///   whose fields are the handler's arguments; call variants also carry the
///   [`ReplyTo`] slot of their reply;
/// - `MyServerInfo`, the info enum, when there are `#[info]` handlers: one
///   variant per handler, which you build to send info messages
///   ([`ServerRef::send_info`], [`send_after`], [`Context::continue_with`]);
/// - `MyServerClient`, which [`ServerRef<MyServer>`](ServerRef) dereferences
///   to, with one function per handler, named and documented like it;
/// - `impl GenServer for MyServer`: the dispatch from message to handler, and
///   the callbacks you did not write (`init` takes the state itself, as
///   `start(state)`; `terminate` does nothing; without `#[info]` handlers,
///   `Info` is [`Infallible`](std::convert::Infallible));
/// - `MyServer::start(..)`, `MyServer::start_link(..)`,
///   `MyServer::start_named(name, ..)` and `MyServer::start_with(options, ..)`
///   ([`StartOptions`]: a name, a start timeout, a link to the caller);
/// - `MyServer::child_spec(..)`, how a [`Supervisor`] starts it: a
///   [`ChildSpec`] with `start_link`, cloning the arguments for each start
///   (it needs them `Clone` only when called). An ordinary method of yours
///   named `child_spec` replaces it, as overriding `child_spec/1` does.
///
/// Arguments and replies must be owned and `Send + 'static`: they move
/// between tasks. Generic impls work; their type parameters get
/// `Send + 'static` bounds added.
///
/// # Arguments
///
/// - `message = Name`: the message enum's name (default `{Type}Msg`);
/// - `info = Name`: the info enum's name (default `{Type}Info`);
/// - `client = Name`: the client's name (default `{Type}Client`);
/// - `crate = path`: where `genserver` is, for crates that re-export it
///   (default `::genserver`);
/// - `restart = permanent | transient | temporary` and
///   `shutdown = milliseconds | brutal_kill | infinity`: the defaults of the
///   generated `child_spec`, as `use GenServer, restart: .., shutdown: ..`.
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
///
/// # Lints
///
/// The generated code compiles without warnings under
/// `#![deny(warnings, clippy::pedantic)]` and `#![forbid(unsafe_code)]`
/// (it has no `unsafe`). To get there, it allows these lints, on what it
/// generates and, for the first item alone, on the user's handlers:
///
/// - on the handlers: `clippy::needless_pass_by_value` and
///   `clippy::unused_self`, since a handler must take its arguments by
///   value (they arrive in a message) and a receiver, whether or not its
///   body needs them. The allow comes first among the handler's attributes,
///   so the user's own `#[warn]` or `#[expect]` of them wins;
/// - `dead_code`, `unreachable_pub` and `private_interfaces` on the
///   generated types and functions, which are `pub` inside a module that
///   may be private, and which the user may not call;
/// - `deprecated` where the generated code names a `#[deprecated]` handler;
/// - `clippy::needless_borrow` and `clippy::used_underscore_binding` in the
///   generated `Debug` impls and dispatch, which name arguments such as
///   `_unused` as the user wrote them.
///
/// A handler's `#[allow]`, `#[warn]`, `#[deny]`, `#[forbid]`, `#[cfg]`,
/// `#[deprecated]` and doc comments go on its client function and message
/// variant too (also inside `#[cfg_attr]`); an `#[expect]` goes there as an
/// `#[allow]`, since what it expects fires in the handler alone.
///
/// # Names in scope
///
/// Generated internals have names no user code is expected to use (they
/// start with `__genserver_`), so a constant, type or function in scope
/// never changes their meaning. The generated `start` functions and
/// `child_spec` are the exception, to read well in the docs: their
/// parameters are `state`, `name` and `options` (or `#[init]`'s own
/// argument names). As for any function, a lower-case constant of one of
/// those names in scope would turn such a parameter into a pattern; rustc
/// then reports a mismatched type pointing at the constant.
///
/// # Equivalent code without `#[gen_server]`
///
/// For this server:
///
/// ```
/// # use genserver::prelude::*;
/// pub struct Counter {
///     n: u64,
/// }
///
/// #[gen_server]
/// impl Counter {
///     #[cast]
///     pub fn add(&mut self, by: u64) {
///         self.n += by;
///     }
///
///     #[call]
///     pub fn get(&self) -> u64 {
///         self.n
///     }
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let counter = Counter::start(Counter { n: 1 }).await?;
/// # counter.add(2)?;
/// # assert_eq!(counter.get().await?, 3);
/// # Ok(()) }
/// ```
///
/// the macro writes, in essence, the code below (it also adds documentation,
/// `Debug` impls, `start_named`, and `Send + 'static` checks placed on your
/// own types). It reaches the runtime through `genserver::__private`, which
/// is not public API: write servers with the macro. The repository's
/// `examples/NAME-expanded.rs` files hold complete expansions.
///
/// ```
/// use genserver::__private::{Call, CastError, ClientOf, RawRef, ReplyTo};
/// use genserver::{Context, GenServer, ServerRef, StartError, StartOptions};
///
/// pub struct Counter {
///     n: u64,
/// }
///
/// // The user's impl block, unchanged but for the handler attributes.
/// impl Counter {
///     pub fn add(&mut self, by: u64) {
///         self.n += by;
///     }
///
///     pub fn get(&self) -> u64 {
///         self.n
///     }
/// }
///
/// // The message enum: one variant per handler; calls carry their reply
/// // slot. Its `Debug` shows messages in crash reports and traces.
/// #[derive(Debug)]
/// pub enum CounterMsg {
///     Add { by: u64 },
///     Get { reply_to: ReplyTo<u64> },
/// }
///
/// // The client, which `ServerRef<Counter>` dereferences to.
/// pub struct CounterClient {
///     raw: RawRef<Counter>,
/// }
///
/// impl ClientOf<Counter> for CounterClient {
///     fn from_raw(raw: RawRef<Counter>) -> Self {
///         Self { raw }
///     }
///
///     fn raw(&self) -> &RawRef<Counter> {
///         &self.raw
///     }
/// }
///
/// impl CounterClient {
///     pub fn add(&self, by: u64) -> Result<(), CastError<CounterMsg>> {
///         self.raw.cast(CounterMsg::Add { by })
///     }
///
///     pub fn get(&self) -> Call<'_, Counter, u64> {
///         self.raw.call(|reply_to| CounterMsg::Get { reply_to })
///     }
/// }
///
/// // The dispatch, and the default `init` (start with the state itself).
/// impl GenServer for Counter {
///     type Message = CounterMsg;
///     type Info = std::convert::Infallible; // no `#[info]` handlers
///     type InitArg = Self;
///     type InitError = std::convert::Infallible;
///     type Client = CounterClient;
///
///     async fn init(state: Self, _ctx: &mut Context<Self>) -> Result<Option<Self>, Self::InitError> {
///         Ok(Some(state))
///     }
///
///     async fn handle_message(&mut self, message: CounterMsg, _ctx: &mut Context<Self>) {
///         match message {
///             CounterMsg::Add { by } => Self::add(self, by),
///             CounterMsg::Get { reply_to } => {
///                 let _ = reply_to.send(Self::get(self));
///             }
///         }
///     }
/// }
///
/// impl Counter {
///     pub async fn start(state: Self) -> Result<ServerRef<Self>, StartError<Self>> {
///         genserver::__private::start::<Self>(StartOptions::new(), state).await
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = Counter::start(Counter { n: 1 }).await?;
/// counter.add(2)?;
/// assert_eq!(counter.get().await?, 3);
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

/// Marks an info handler in a [`#[gen_server]`](gen_server) impl block:
/// `handle_info/2`. Used anywhere else, it is a compile error.
pub use genserver_macros::info;

/// What a module using servers needs: `use genserver::prelude::*;`.
pub mod prelude {
    pub use crate::{
        AnyRef, CallError, CastError, ChildSpec, Context, Down, DynamicSupervisor,
        DynamicSupervisorOptions, Exit, ExitReason, GenServer, MonitorRef, ReplyTo, Restart,
        ServerRef, Shutdown, StartError, StartOptions, StopError, Strategy, Supervisor,
        SupervisorOptions, TimerRef, WeakRef, call, cast, gen_server, info, init, terminate,
    };
}

/// What code generated by `#[gen_server]` uses. Not public API: it may change
/// in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::lifecycle::start;
    pub use crate::server_ref::{ClientOf, RawRef};
    pub use crate::{
        Call, CastError, ChildSpec, Context, Down, Exit, ExitReason, GenServer, ReceivesDown,
        ReceivesExit, ReplyTo, Restart, ServerRef, Shutdown, StartError, StartOptions,
    };

    pub use crate::show::{Arg, Show, ShowDebug, ShowError, ShowNoError, ShowOpaque, format_state};

    /// Sends a call handler's reply, or keeps it until `terminate` has run
    /// when the handler asked to stop; `show` shows it in a trace.
    #[inline]
    pub fn reply<T: GenServer, R: Send + 'static>(
        ctx: &mut Context<T>,
        reply_to: ReplyTo<R>,
        reply: R,
        show: fn(&R) -> Option<&dyn ::core::fmt::Debug>,
    ) {
        ctx.note_out(&reply, show);
        ctx.reply(reply_to, reply);
    }
}
