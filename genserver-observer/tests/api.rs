//! The observer's HTTP API, through a plain TCP stream: the server list, a
//! server's state, errors, stop and kill, the event stream.

use std::net::SocketAddr;
use std::time::Duration;

use genserver::prelude::*;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The longest any step may take.
const LIMIT: Duration = Duration::from_secs(10);

/// A server with a state worth showing.
#[derive(Debug)]
struct Shelf {
    items: Vec<String>,
}

#[gen_server]
impl Shelf {
    #[call]
    fn add(&mut self, item: String) -> usize {
        self.items.push(item);
        self.items.len()
    }

    #[call]
    fn drop_everything(&mut self) {
        panic!("dropped {} items", self.items.len());
    }
}

async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("not done within {LIMIT:?}"))
}

/// One HTTP/1.1 request on its own connection: the status and the body.
async fn request(addr: SocketAddr, method: &str, path: &str, headers: &str) -> (u16, String) {
    let mut stream = within(TcpStream::connect(addr)).await.expect("connects");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Length: 0\r\n{headers}\r\n"
    );
    within(stream.write_all(head.as_bytes()))
        .await
        .expect("sends");
    let mut answer = Vec::new();
    within(stream.read_to_end(&mut answer))
        .await
        .expect("reads");
    let answer = String::from_utf8(answer).expect("UTF-8");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .expect("a status");
    (status, body.to_owned())
}

async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    let (status, body) = request(addr, "GET", path, "").await;
    (status, serde_json::from_str(&body).expect("JSON"))
}

async fn post(addr: SocketAddr, path: &str, headers: &str) -> (u16, Value) {
    let (status, body) = request(addr, "POST", path, headers).await;
    (status, serde_json::from_str(&body).expect("JSON"))
}

/// The number of a server's id, as the API names it.
fn number(server: &ServerRef<Shelf>) -> u64 {
    server.id().get()
}

/// The entry of `/api/processes` named `name`.
fn entry<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list.as_array()
        .expect("an array")
        .iter()
        .find(|process| process["name"] == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_lists_shows_stops_and_kills() {
    let shelf = within(Shelf::start_named(
        "api-shelf",
        Shelf {
            items: vec!["marmalade".into()],
        },
    ))
    .await
    .expect("starts");
    let other = within(Shelf::start_named("api-other", Shelf { items: vec![] }))
        .await
        .expect("starts");
    assert_eq!(within(shelf.add("toast".into())).await, Ok(2));
    let observer = within(genserver_observer::serve("127.0.0.1:0"))
        .await
        .expect("binds");
    let addr = observer.local_addr();

    // The page.
    let (status, page) = request(addr, "GET", "/", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("<title>genserver observer</title>"), "{page}");

    // The list: both servers, named and typed.
    let (status, list) = get(addr, "/api/processes").await;
    assert_eq!(status, 200);
    let found = entry(&list, "api-shelf").expect("the shelf is listed");
    assert_eq!(found["id"], number(&shelf));
    assert_eq!(found["pid"], shelf.id().to_string());
    assert_eq!(found["short_type"], "Shelf");
    assert!(
        found["type_name"]
            .as_str()
            .expect("a type")
            .ends_with("Shelf")
    );
    assert_eq!(found["status"], "running");
    assert_eq!(found["mailbox_len"], 0);
    assert!(found["messages_in"].as_u64().expect("a count") >= 1);
    assert!(entry(&list, "api-other").is_some(), "{list}");

    // The state, as `Debug` shows it; by number or by pid.
    let (status, state) = get(addr, &format!("/api/processes/{}/state", number(&shelf))).await;
    assert_eq!(status, 200, "{state}");
    let text = state["state"].as_str().expect("a state");
    assert!(
        text.contains("marmalade") && text.contains("toast"),
        "{text}"
    );
    let pid = format!("%3C0.{}.0%3E", number(&shelf));
    let (status, _) = get(addr, &format!("/api/processes/{pid}/state")).await;
    assert_eq!(status, 200);

    // Unknown ids.
    for id in ["999999999", "0", "nonsense"] {
        let (status, error) = get(addr, &format!("/api/processes/{id}/state")).await;
        assert_eq!(status, 404, "{id}: {error}");
        assert!(error["error"].as_str().expect("an error").contains(id));
        let (status, _) = post(addr, &format!("/api/processes/{id}/kill"), "").await;
        assert_eq!(status, 404);
    }
    let (status, _) = get(addr, "/api/nothing").await;
    assert_eq!(status, 404);

    // A page of another origin may not kill.
    let path = format!("/api/processes/{}/kill", number(&shelf));
    let (status, _) = post(addr, &path, "Origin: http://elsewhere.example\r\n").await;
    assert_eq!(status, 403);
    assert!(shelf.is_alive());

    // Kill: the server is gone, killed, and no longer listed.
    let own_origin = format!("Origin: http://{addr}\r\n");
    let (status, killed) = post(addr, &path, &own_origin).await;
    assert_eq!(status, 200, "{killed}");
    assert_eq!(killed["reason"], "killed");
    assert_eq!(within(shelf.exited()).await, ExitReason::Killed);
    let (_, list) = get(addr, "/api/processes").await;
    assert!(entry(&list, "api-shelf").is_none(), "{list}");
    let (status, _) = get(addr, &format!("/api/processes/{}/state", number(&shelf))).await;
    assert_eq!(status, 404);

    // Stop: `normal`.
    let path = format!("/api/processes/{}/stop", number(&other));
    let (status, stopped) = post(addr, &path, "").await;
    assert_eq!(status, 200, "{stopped}");
    assert_eq!(stopped["reason"], "normal");
    assert_eq!(within(other.exited()).await, ExitReason::Normal);

    within(observer.shutdown()).await;
    assert!(within(TcpStream::connect(addr)).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_pushes_snapshots_and_ends_on_shutdown() {
    let shelf = within(Shelf::start_named(
        "events-shelf",
        Shelf {
            items: vec!["jam".into()],
        },
    ))
    .await
    .expect("starts");
    let observer = within(genserver_observer::serve("127.0.0.1:0"))
        .await
        .expect("binds");
    let addr = observer.local_addr();

    let mut stream = within(TcpStream::connect(addr)).await.expect("connects");
    let head = format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    within(stream.write_all(head.as_bytes()))
        .await
        .expect("sends");
    let mut lines = BufReader::new(stream).lines();
    let mut snapshots = Vec::new();
    while snapshots.len() < 2 {
        let line = within(lines.next_line())
            .await
            .expect("reads")
            .expect("the stream goes on");
        if let Some(data) = line.strip_prefix("data: ") {
            snapshots.push(serde_json::from_str::<Value>(data).expect("JSON"));
            // The second snapshot shows the call made in between.
            within(shelf.add("butter".into())).await.expect("adds");
        }
    }
    let counts: Vec<u64> = snapshots
        .iter()
        .map(|snapshot| {
            assert!(snapshot["crashes"].is_array());
            entry(&snapshot["processes"], "events-shelf").expect("listed")["messages_in"]
                .as_u64()
                .expect("a count")
        })
        .collect();
    assert!(counts[1] > counts[0], "{counts:?}");
    let rate = &entry(&snapshots[1]["processes"], "events-shelf").expect("listed")["rate"];
    assert!(rate.as_f64().is_some_and(|rate| rate > 0.0), "{rate}");

    // Shutdown ends the stream, which lets the observer stop.
    within(observer.shutdown()).await;
    while let Some(line) = within(lines.next_line()).await.unwrap_or(None) {
        assert!(!line.starts_with("data: {"), "no snapshot after shutdown");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_works_nested_under_a_prefix() {
    let shelf = within(Shelf::start_named(
        "nested-shelf",
        Shelf {
            items: vec!["honey".into()],
        },
    ))
    .await
    .expect("starts");
    let app = axum::Router::new().nest("/observer", genserver_observer::router());
    let listener = within(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("an address");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let (status, page) = request(addr, "GET", "/observer", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("<title>genserver observer</title>"));
    let (status, list) = get(addr, "/observer/api/processes").await;
    assert_eq!(status, 200);
    assert!(entry(&list, "nested-shelf").is_some(), "{list}");
    let path = format!("/observer/api/processes/{}/state", number(&shelf));
    let (status, state) = get(addr, &path).await;
    assert_eq!(status, 200);
    assert!(state["state"].as_str().expect("a state").contains("honey"));

    // A suspended server is listed as such, and still shows its state.
    within(genserver::sys::suspend(&shelf))
        .await
        .expect("suspends");
    let (_, list) = get(addr, "/observer/api/processes").await;
    assert_eq!(
        entry(&list, "nested-shelf").expect("listed")["status"],
        "suspended"
    );
    let (status, _) = get(addr, &path).await;
    assert_eq!(status, 200);
    within(genserver::sys::resume(&shelf))
        .await
        .expect("resumes");

    server.abort();
    let _ = within(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_are_reported() {
    let observer = within(genserver_observer::serve("127.0.0.1:0"))
        .await
        .expect("binds");
    let addr = observer.local_addr();
    let clumsy = within(Shelf::start_named(
        "api-clumsy",
        Shelf {
            items: vec!["plate".into()],
        },
    ))
    .await
    .expect("starts");
    assert!(within(clumsy.drop_everything()).await.is_err());
    let (status, crashes) = get(addr, "/api/crashes").await;
    assert_eq!(status, 200);
    let crash = crashes
        .as_array()
        .expect("an array")
        .iter()
        .find(|crash| crash["name"] == "api-clumsy")
        .expect("the crash is reported");
    assert_eq!(crash["id"], number(&clumsy));
    assert_eq!(crash["short_type"], "Shelf");
    assert_eq!(crash["reason"], "panicked: dropped 1 items");
    assert!(
        crash["location"]
            .as_str()
            .expect("a location")
            .contains("api.rs"),
        "{crash}"
    );

    within(observer.shutdown()).await;
}
