//! The routes: the page, the JSON API and the event stream.

use std::convert::Infallible;
use std::future::pending;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::Stream;
use genserver::sys::{self, ProcessInfo, SysError};
use genserver::{ExitReason, StopError};
use serde::Serialize;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::snapshot::{self, Sampler, parse_id};

/// The page: one file, with its styles and script.
const PAGE: &str = include_str!("page.html");

/// How long a server has to answer for its state.
const STATE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a stop may take: a server's `terminate` runs first.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// How often `/api/events` pushes a snapshot.
const EVENT_PERIOD: Duration = Duration::from_secs(1);

/// The page's content security policy: its own inline styles and script,
/// requests to itself only, and no framing (no clicks on Kill through
/// another site's page).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
    script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// What every route shares.
#[derive(Clone)]
struct Shared {
    sampler: Arc<Sampler>,
    /// Ends the event streams when `serve`'s observer stops; `None` under
    /// [`crate::router`], where they end with their clients.
    stop: Option<watch::Receiver<bool>>,
}

/// The router, with event streams that end when `stop` turns `true` or its
/// sender is dropped.
pub(crate) fn router(stop: Option<watch::Receiver<bool>>) -> Router {
    let shared = Shared {
        sampler: Arc::new(Sampler::default()),
        stop,
    };
    Router::new()
        .route("/", get(page))
        .route("/api/processes", get(processes))
        .route("/api/processes/{id}/state", get(state))
        .route("/api/processes/{id}/stop", post(stop_server))
        .route("/api/processes/{id}/kill", post(kill_server))
        .route("/api/crashes", get(crashes))
        .route("/api/events", get(events))
        .fallback(not_found)
        .with_state(shared)
}

/// An error answer: a status and `{"error": "..."}`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    error: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

impl ApiError {
    fn new(status: StatusCode, error: impl Into<String>) -> Self {
        Self {
            status,
            error: error.into(),
        }
    }

    fn no_server(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            format!("no running server with id {id}"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(ErrorBody { error: &self.error });
        (self.status, body).into_response()
    }
}

/// A server's state, from `/api/processes/{id}/state`.
#[derive(Serialize)]
struct StateView {
    id: u64,
    pid: String,
    state: String,
}

/// The outcome of a stop or a kill.
#[derive(Serialize)]
struct StoppedView {
    id: u64,
    pid: String,
    /// The reason the server stopped with.
    reason: String,
}

async fn page() -> Response {
    let headers = [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    (headers, Html(PAGE)).into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such page")
}

async fn processes(State(shared): State<Shared>) -> Response {
    Json(shared.sampler.processes()).into_response()
}

async fn crashes() -> Response {
    Json(snapshot::crashes()).into_response()
}

/// The running server whose id is written `id`.
fn find(id: &str) -> Result<ProcessInfo, ApiError> {
    let number = parse_id(id).ok_or_else(|| ApiError::no_server(id))?;
    sys::processes()
        .into_iter()
        .find(|info| snapshot::number(info.id) == number)
        .ok_or_else(|| ApiError::no_server(id))
}

async fn state(Path(id): Path<String>) -> Result<Response, ApiError> {
    let info = find(&id)?;
    let pid = info.id.to_string();
    let formatted = tokio::time::timeout(STATE_TIMEOUT, sys::format_state(&info.server)).await;
    let state = match formatted {
        Ok(Ok(state)) => state,
        Ok(Err(SysError::NoProc)) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("{pid} is not running"),
            ));
        }
        Ok(Err(SysError::Timeout)) | Err(_) => {
            return Err(ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                format!("{pid} did not answer for its state in time"),
            ));
        }
        Ok(Err(error)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("{pid}: {error}"),
            ));
        }
    };
    let view = StateView {
        id: snapshot::number(info.id),
        pid,
        state,
    };
    Ok(Json(view).into_response())
}

async fn stop_server(headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    same_origin(&headers)?;
    let info = find(&id)?;
    let stopped = info
        .server
        .stop_with(ExitReason::Normal, STOP_TIMEOUT)
        .await;
    let reason = match stopped {
        Ok(()) => ExitReason::Normal,
        // It stopped, for another reason than the one asked (a crash in
        // `terminate`, or a stop that came first).
        Err(StopError::Exit(reason)) => reason,
        Err(error) => return Err(stop_error(&info, &error)),
    };
    Ok(stopped_view(&info, &reason))
}

async fn kill_server(headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    same_origin(&headers)?;
    let info = find(&id)?;
    match tokio::time::timeout(STOP_TIMEOUT, info.server.kill()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return Err(stop_error(&info, &error)),
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                format!("{} was not gone in time after the kill", info.id),
            ));
        }
    }
    let reason = info.server.exit_reason().unwrap_or(ExitReason::Killed);
    Ok(stopped_view(&info, &reason))
}

fn stopped_view(info: &ProcessInfo, reason: &ExitReason) -> Response {
    let view = StoppedView {
        id: snapshot::number(info.id),
        pid: info.id.to_string(),
        reason: reason.to_string(),
    };
    Json(view).into_response()
}

fn stop_error(info: &ProcessInfo, error: &StopError) -> ApiError {
    let status = match error {
        StopError::NoProc => StatusCode::NOT_FOUND,
        StopError::Timeout => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::CONFLICT,
    };
    ApiError::new(status, format!("{}: {error}", info.id))
}

/// Refuses a request sent by a page of another origin: a browser names the
/// page's origin in `Origin` on every cross-origin `POST`, and a request
/// without it (`curl`, a test) is not from a page.
fn same_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    let origin_host = origin.to_str().ok().and_then(|origin| {
        origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
    });
    match (origin_host, host) {
        (Some(origin_host), Some(host)) if origin_host.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "refused: the request comes from a page of another origin",
        )),
    }
}

async fn events(
    State(shared): State<Shared>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut ticks = tokio::time::interval(EVENT_PERIOD);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let first = true;
    let stream = futures_util::stream::unfold(
        (shared, ticks, first),
        |(mut shared, mut ticks, first)| async move {
            tokio::select! {
                _ = ticks.tick() => {}
                () = stopped(shared.stop.as_mut()) => return None,
            }
            let snapshot = shared.sampler.snapshot();
            let mut event = Event::default()
                .json_data(&snapshot)
                .unwrap_or_else(|error| Event::default().comment(format!("no snapshot: {error}")));
            if first {
                // Reconnect quickly after a restart of the observer.
                event = event.retry(EVENT_PERIOD);
            }
            Some((Ok(event), (shared, ticks, false)))
        },
    );
    Sse::new(stream)
}

/// Resolves once the observer stops; never without a stop signal.
async fn stopped(stop: Option<&mut watch::Receiver<bool>>) {
    match stop {
        // An error is the sender dropped with the observer: stopped too.
        Some(stop) => drop(stop.wait_for(|stop| *stop).await),
        None => pending().await,
    }
}
