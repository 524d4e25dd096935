//! Crash reports: what OTP's logger prints when a server ends abnormally,
//! through `tracing` (with the default `tracing` feature), and the last few
//! kept in memory for [`sys::recent_crashes`](crate::sys::recent_crashes).
//!
//! A report is made only for abnormal reasons, and only by the server that
//! ended so: one killed from outside, or by an exit signal from a linked
//! server, leaves the report to whoever crashed first and to its
//! supervisor, as in OTP.

use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use crate::panic::{self, Panicked};
use crate::{ExitReason, ServerId};

/// How much of a message or a state a report shows, in bytes: formatting
/// stops there, so a huge state costs no more to report than a small one.
pub(crate) const SHOWN: usize = 4096;

/// How many crash reports [`recent_crashes`] keeps.
const KEPT: usize = 64;

/// The `tracing` target of crash reports; supervisor reports use
/// `genserver::supervisor`, message traces `genserver::trace`.
#[cfg(feature = "tracing")]
pub(crate) const CRASH_TARGET: &str = "genserver::crash";

/// A server's abnormal end, as reported: OTP's crash report.
///
/// The message and the state are shown the way the server's types format
/// them with `Debug`: write `Debug` by hand to hide what must not be logged,
/// as OTP's `format_status/1` does. Each is cut after 4 KiB.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CrashReport {
    /// The server.
    pub id: ServerId,
    /// Its registered name, if it had one.
    pub name: Option<String>,
    /// Its type, as [`std::any::type_name`] gives it.
    pub type_name: &'static str,
    /// Why it stopped.
    pub reason: ExitReason,
    /// Where it was: `"init"`, `"a handler"` (which includes a stop a
    /// handler asked for), `"terminate"`, or `"dropping the state"`.
    pub during: &'static str,
    /// The last message it handled, or was handling when it crashed, as
    /// [`Recording`] says: recorded only while crash reports go to a
    /// `tracing` subscriber, or while the server is traced.
    pub message: Option<String>,
    /// Its state, as its `Debug` shows it, when it still had one.
    pub state: Option<String>,
    /// Where the panic happened (`file:line:column`), for a panic.
    pub location: Option<String>,
    /// The panic's backtrace, when `RUST_BACKTRACE` asked for one.
    pub backtrace: Option<String>,
    /// When it stopped.
    pub at: SystemTime,
}

/// The crash reports kept, oldest first.
static RECENT: Mutex<VecDeque<CrashReport>> = Mutex::new(VecDeque::new());

/// The last crash reports (at most 64), oldest first: what the observer's
/// crash list shows.
pub fn recent_crashes() -> Vec<CrashReport> {
    let recent = RECENT.lock().unwrap_or_else(PoisonError::into_inner);
    recent.iter().cloned().collect()
}

/// What a server knows of itself when it crashes.
pub(crate) struct Crashed<'a> {
    pub(crate) id: ServerId,
    pub(crate) name: Option<&'a str>,
    pub(crate) type_name: &'static str,
    /// What it was doing: `init`, a handler, `terminate`.
    pub(crate) during: &'static str,
}

impl Crashed<'_> {
    /// Reports the end of a server with `reason`, unless it is orderly.
    pub(crate) fn report(
        &self,
        reason: &ExitReason,
        panicked: Option<&Panicked>,
        message: Option<String>,
        state: Option<String>,
    ) {
        if reason.is_normal() {
            return;
        }
        let site = panicked.and_then(|panicked| panicked.site.as_ref());
        let report = CrashReport {
            id: self.id,
            name: self.name.map(str::to_owned),
            type_name: self.type_name,
            reason: reason.clone(),
            during: self.during,
            message,
            state,
            location: site.and_then(|site| site.location.as_deref().map(str::to_owned)),
            backtrace: site.and_then(|site| site.backtrace.as_deref().map(str::to_owned)),
            at: SystemTime::now(),
        };
        #[cfg(feature = "tracing")]
        tracing::error!(
            target: CRASH_TARGET,
            server = %report.id,
            name = report.name.as_deref(),
            server_type = report.type_name,
            reason = %report.reason,
            last_message = report.message.as_deref(),
            state = report.state.as_deref(),
            location = report.location.as_deref(),
            backtrace = report.backtrace.as_deref(),
            "server {} ({}) terminating in {}: {}",
            report.id,
            report.name.as_deref().unwrap_or(report.type_name),
            report.during,
            report.reason,
        );
        let mut recent = RECENT.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.len() == KEPT {
            recent.pop_front();
        }
        recent.push_back(report);
    }
}

/// What a server records of each message it handles, for its crash report:
/// set for the whole process with [`set_recording`].
///
/// A message is moved into its handler, so a report can show it only if it
/// was recorded before: its variant's name costs nothing to record, but
/// formatting its arguments costs every message a `Debug` (see
/// BENCHMARKS.md). Nothing is recorded while no `tracing` subscriber takes
/// crash reports, whatever the setting; a traced server (see
/// [`trace`](crate::sys::trace)) records the whole message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recording {
    /// Nothing: reports have no last message.
    Off,
    /// The variant's name, `Put`: the default.
    #[default]
    Names,
    /// The whole message as its `Debug` shows it, `Put { key: "a", value:
    /// 1 }`, as OTP's reports show the last message.
    Full,
}

static RECORDING: AtomicU8 = AtomicU8::new(Recording::Names as u8);

/// Sets what every server records of the messages it handles, for crash
/// reports; [`Recording::Names`] by default.
///
/// ```
/// use genserver::sys::{self, Recording};
///
/// // OTP's crash reports: the last message with its arguments.
/// sys::set_recording(Recording::Full);
/// assert_eq!(sys::recording(), Recording::Full);
/// ```
pub fn set_recording(recording: Recording) {
    RECORDING.store(recording as u8, Ordering::Relaxed);
}

/// What servers record of their messages; see [`set_recording`].
pub fn recording() -> Recording {
    match RECORDING.load(Ordering::Relaxed) {
        0 => Recording::Off,
        2 => Recording::Full,
        _ => Recording::Names,
    }
}

/// What a server records of the message it is about to handle: nothing
/// while no subscriber takes crash reports.
#[inline]
pub(crate) fn recording_now() -> Recording {
    if RECORDING.load(Ordering::Relaxed) == Recording::Off as u8 || !reports_panics() {
        Recording::Off
    } else {
        recording()
    }
}

/// `true` while crash reports reach a `tracing` subscriber: the panic hook
/// then leaves the printing of a server's panic to its report, and the
/// receive loop records each message for it.
#[inline]
pub(crate) fn reports_panics() -> bool {
    #[cfg(feature = "tracing")]
    {
        // One load of a flag while no subscriber was ever set, the common
        // case in benchmarks and tests: `enabled!` costs a little more.
        tracing::dispatcher::has_been_set() && crash_reports_enabled()
    }
    #[cfg(not(feature = "tracing"))]
    {
        false
    }
}

/// Whether a subscriber takes crash reports: kept out of line, so that the
/// receive loop, which asks before each message, stays small.
#[cfg(feature = "tracing")]
#[inline(never)]
fn crash_reports_enabled() -> bool {
    tracing::enabled!(target: CRASH_TARGET, tracing::Level::ERROR)
}

/// Logs a panic the runtime caught in user code with no one to tell (the
/// destructor of a message dropped at stop, say), which the hook did not
/// print.
pub(crate) fn discarded_panic(what: &'static str, panicked: &Panicked) {
    #[cfg(feature = "tracing")]
    {
        let site = panicked.site.as_ref();
        tracing::error!(
            target: CRASH_TARGET,
            panic = &*panicked.message,
            location = site.and_then(|site| site.location.as_deref()),
            "{what} panicked: {}",
            panicked.message,
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (what, panicked);
}

/// `value` formatted by `show` into at most [`SHOWN`] bytes, with `…` when
/// cut; a panic in the user's formatting is shown instead.
pub(crate) fn shown(show: impl FnOnce(&mut dyn fmt::Write) -> fmt::Result) -> String {
    let mut text = String::new();
    show_into(&mut text, show);
    text
}

/// [`shown`], into `text`, which is cleared first: a server reuses one
/// buffer for the last message it handled.
pub(crate) fn show_into(text: &mut String, show: impl FnOnce(&mut dyn fmt::Write) -> fmt::Result) {
    text.clear();
    let mut out = Bounded { text, cut: false };
    match panic::catch(|| show(&mut out)) {
        Ok(_) if out.cut => out.text.push('…'),
        Ok(_) => {}
        Err(panicked) => {
            let _ = write!(out.text, "<formatting panicked: {}>", panicked.message);
        }
    }
}

/// A `fmt::Write` that fails once [`SHOWN`] bytes are written, which ends
/// the formatting early.
struct Bounded<'a> {
    text: &'a mut String,
    cut: bool,
}

impl fmt::Write for Bounded<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = SHOWN - self.text.len();
        if s.len() <= room {
            self.text.push_str(s);
            return Ok(());
        }
        let mut end = room;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.text.push_str(&s[..end]);
        self.cut = true;
        Err(fmt::Error)
    }
}

/// `Debug` of `value`, bounded.
pub(crate) fn debug(value: &dyn fmt::Debug) -> String {
    shown(|out| write!(out, "{value:?}"))
}

#[cfg(feature = "tracing")]
pin_project_lite::pin_project! {
    /// A server's task, run inside its span.
    struct InSpan<F> {
        // Boxed, and only when a subscriber wants it: a server nobody
        // watches pays one null pointer.
        span: Option<Box<tracing::Span>>,
        #[pin]
        inner: F,
    }
}

#[cfg(feature = "tracing")]
impl<F: std::future::Future> std::future::Future for InSpan<F> {
    type Output = F::Output;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let this = self.project();
        let _entered = this.span.as_ref().map(|span| span.enter());
        this.inner.poll(cx)
    }
}

/// Runs a server's task inside a span named `server`, with its id, name
/// and type, so that what its handlers log says which server logged it.
pub(crate) fn in_span<F: std::future::Future>(
    task: F,
    id: ServerId,
    name: Option<&str>,
    type_name: &'static str,
) -> impl std::future::Future<Output = F::Output> + use<F> {
    #[cfg(feature = "tracing")]
    {
        // A root span: a server started from another's handler is not
        // part of that handler's work, and a span kept for the server's
        // life must not keep its starter's alive.
        let span = tracing::error_span!(
            target: "genserver",
            parent: None,
            "server",
            id = %id,
            name = name,
            server_type = type_name,
        );
        InSpan {
            span: (!span.is_disabled()).then(|| Box::new(span)),
            inner: task,
        }
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (id, name, type_name);
        task
    }
}

#[cfg(test)]
mod tests {
    use super::{Recording, recording, set_recording, shown};

    #[test]
    fn the_recording_reads_back_as_set() {
        for each in [Recording::Off, Recording::Full, Recording::Names] {
            set_recording(each);
            assert_eq!(recording(), each);
        }
    }

    #[test]
    fn text_that_fits_is_shown_whole() {
        assert_eq!(
            shown(|out| write!(out, "{}", "x".repeat(4096))),
            "x".repeat(4096)
        );
    }
}
