//! A live web page over a running [`genserver`] system, in the spirit of
//! Erlang's `:observer`: the supervision tree, each server's mailbox length
//! and message rate, a server's state on click (`:sys.get_state`), stop and
//! kill buttons, and the recent crash reports.
//!
//! [`serve`] binds an address and serves the page on the current tokio
//! runtime; [`router`] gives the same page and API as an [`axum::Router`] to
//! mount in an application's own server.
//!
//! ```no_run
//! # #[tokio::main]
//! # async fn main() -> std::io::Result<()> {
//! // Loopback only: the page can stop and kill any server.
//! let observer = genserver_observer::serve("127.0.0.1:4000").await?;
//! println!("observer: {}", observer.url());
//! tokio::signal::ctrl_c().await?;
//! observer.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Security
//!
//! **Whoever reaches the address can stop and kill every server of the
//! process and read every server's state.** There is no authentication.
//! Bind a loopback address (`127.0.0.1:PORT`, `[::1]:PORT`, or
//! `127.0.0.1:0` for a free port), never `0.0.0.0`, unless the network is
//! yours alone. `serve` refuses no address: it is the caller's choice.
//!
//! What the crate does guard against is a web page in the same browser
//! reaching the observer: a `POST` that carries an `Origin` header other than
//! the observer's own host is refused (`403`), the API sends no CORS headers,
//! and the page may not be framed.
//!
//! # HTTP API
//!
//! Every answer is JSON, errors included (`{"error": "..."}`). A server is
//! named in paths by the number of its id (`12` for `<0.12.0>`; both forms
//! are accepted).
//!
//! | request | answer |
//! |---|---|
//! | `GET /` | the page |
//! | `GET /api/processes` | the running servers: id, name, type, mailbox length, messages handled and per second, parent, links, status, uptime |
//! | `GET /api/processes/{id}/state` | the server's state as its `Debug` shows it; `404` if it is not running, `504` if it does not answer in time, `409` on another error |
//! | `POST /api/processes/{id}/stop` | stops the server with reason `normal`, waiting up to 5 s (`504` after) |
//! | `POST /api/processes/{id}/kill` | kills it: reason `killed`, no `terminate` |
//! | `GET /api/crashes` | the recent crash reports, newest last |
//! | `GET /api/events` | server-sent events: a snapshot (`processes` and `crashes`) about once a second |
//!
//! Message rates are computed from successive samples of each server's
//! message count, about a second apart; a server seen once has no rate yet
//! (`null`).

mod api;
mod snapshot;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long [`Observer::shutdown`] waits for open connections to close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Binds `addr` and serves the observer page and its API there, on the
/// current tokio runtime, until the returned [`Observer`] is shut down or
/// dropped.
///
/// Bind a loopback address: whoever reaches the page can stop and kill any
/// server (see [Security](crate#security)). `"127.0.0.1:0"` picks a free
/// port; [`Observer::local_addr`] tells which.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let observer = genserver_observer::serve("127.0.0.1:0").await?;
/// assert!(observer.local_addr().ip().is_loopback());
/// assert!(observer.url().starts_with("http://127.0.0.1:"));
/// observer.shutdown().await;
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// When the address cannot be resolved or bound.
///
/// # Panics
///
/// When called outside a tokio runtime.
pub async fn serve(addr: impl ToSocketAddrs) -> io::Result<Observer> {
    let listener = TcpListener::bind(addr).await?;
    let local_addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let app = api::router(Some(stopped.clone()));
    let task = tokio::spawn(async move {
        let mut stopped = stopped;
        let signal = async move {
            // Also ends when the `Observer` is dropped with its sender.
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        // An error here is a failure to accept, after which nothing can be
        // served; there is no one to tell but the log of the application.
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await;
    });
    Ok(Observer {
        local_addr,
        stop,
        task,
    })
}

/// The observer's page and API as a router, to mount in an application's own
/// [`axum`] server, for example under `/observer`.
///
/// The page finds its API relative to its own address, so it works under any
/// prefix. Put it behind the application's authentication if the server is
/// reachable by others: it can stop and kill any server (see
/// [Security](crate#security)). Its event streams end when their clients go.
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// let app = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "my application" }))
///     .nest("/observer", genserver_observer::router());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// // The page is at http://127.0.0.1:8080/observer
/// axum::serve(listener, app).await
/// # }
/// ```
pub fn router() -> axum::Router {
    api::router(None)
}

/// A running observer, from [`serve`].
///
/// Dropping it stops the server too, without waiting; [`shutdown`](Self::shutdown)
/// waits until it has stopped.
#[derive(Debug)]
#[must_use = "dropping the Observer stops its server"]
pub struct Observer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Observer {
    /// The address the observer is bound to, with the port picked when the
    /// address asked for port 0.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let observer = genserver_observer::serve("127.0.0.1:0").await?;
    /// assert_ne!(observer.local_addr().port(), 0);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The page's address, such as `http://127.0.0.1:4000/`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let observer = genserver_observer::serve("127.0.0.1:0").await?;
    /// let port = observer.local_addr().port();
    /// assert_eq!(observer.url(), format!("http://127.0.0.1:{port}/"));
    /// # Ok(()) }
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}/", self.local_addr)
    }

    /// Stops the observer: no new connections, open ones end (event
    /// streams included) and the listener is closed. Waits up to 2 seconds
    /// for connections to finish, then drops what is left.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let observer = genserver_observer::serve("127.0.0.1:0").await?;
    /// let addr = observer.local_addr();
    /// observer.shutdown().await;
    /// assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn shutdown(self) {
        let Self { stop, mut task, .. } = self;
        stop.send_replace(true);
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
            .await
            .is_err()
        {
            task.abort();
            let _ = task.await;
        }
    }
}
