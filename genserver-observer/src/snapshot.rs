//! What the page shows, as JSON: the servers with their message rates, and
//! the crash reports.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use genserver::ServerId;
use genserver::sys::{self, CrashReport, ProcessInfo};
use serde::Serialize;

/// Samples closer together than this reuse the rates of the last one: every
/// client of the page sees rates over about a second, however many there are.
const MIN_SAMPLE_GAP: Duration = Duration::from_millis(800);

/// One server, as the page lists it.
#[derive(Debug, Serialize)]
pub(crate) struct ProcessView {
    /// The number of the id: `12` for `<0.12.0>`.
    pub(crate) id: u64,
    /// The id as the runtime shows it: `<0.12.0>`.
    pub(crate) pid: String,
    pub(crate) name: Option<String>,
    /// The full type name.
    pub(crate) type_name: &'static str,
    /// The type name without module paths: `Cache<String, u64>`.
    pub(crate) short_type: String,
    pub(crate) mailbox_len: usize,
    pub(crate) messages_in: u64,
    /// Messages handled per second over the last sample, once there is one.
    pub(crate) rate: Option<f64>,
    pub(crate) parent: Option<u64>,
    pub(crate) links: Vec<u64>,
    /// `"running"` or `"suspended"`.
    pub(crate) status: &'static str,
    pub(crate) uptime_ms: u64,
}

/// One crash report.
#[derive(Debug, Serialize)]
pub(crate) struct CrashView {
    pub(crate) id: u64,
    pub(crate) pid: String,
    pub(crate) name: Option<String>,
    pub(crate) type_name: &'static str,
    pub(crate) short_type: String,
    pub(crate) reason: String,
    pub(crate) message: Option<String>,
    pub(crate) location: Option<String>,
    /// When it crashed, in milliseconds since the Unix epoch.
    pub(crate) at_ms: u64,
}

/// What `/api/events` pushes.
#[derive(Debug, Serialize)]
pub(crate) struct Snapshot {
    /// When the snapshot was taken, in milliseconds since the Unix epoch.
    pub(crate) at_ms: u64,
    pub(crate) processes: Vec<ProcessView>,
    pub(crate) crashes: Vec<CrashView>,
}

/// The last sample of every server's message count, and the rates it gave.
#[derive(Debug, Default)]
pub(crate) struct Sampler {
    inner: Mutex<Samples>,
}

#[derive(Debug, Default)]
struct Samples {
    taken: Option<Instant>,
    counts: HashMap<ServerId, u64>,
    rates: HashMap<ServerId, f64>,
}

impl Sampler {
    /// The running servers, with their rates.
    pub(crate) fn processes(&self) -> Vec<ProcessView> {
        let processes = sys::processes();
        let rates = self.sample(&processes);
        processes
            .iter()
            .map(|info| process_view(info, rates.get(&info.id).copied()))
            .collect()
    }

    /// A snapshot of servers and crashes.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            at_ms: epoch_ms(SystemTime::now()),
            processes: self.processes(),
            crashes: crashes(),
        }
    }

    /// Records `processes`' counts when the last sample is old enough, and
    /// returns the current rates.
    fn sample(&self, processes: &[ProcessInfo]) -> HashMap<ServerId, f64> {
        let now = Instant::now();
        let mut samples = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let elapsed = samples.taken.map(|taken| now.duration_since(taken));
        if elapsed.is_some_and(|elapsed| elapsed < MIN_SAMPLE_GAP) {
            return samples.rates.clone();
        }
        let seconds = elapsed.map(|elapsed| elapsed.as_secs_f64());
        let counts: HashMap<ServerId, u64> = processes
            .iter()
            .map(|info| (info.id, info.messages_in))
            .collect();
        let rates = match seconds {
            Some(seconds) if seconds > 0.0 => counts
                .iter()
                .filter_map(|(id, count)| {
                    let before = samples.counts.get(id)?;
                    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
                    let rate = count.saturating_sub(*before) as f64 / seconds;
                    Some((*id, rate))
                })
                .collect(),
            _ => HashMap::new(),
        };
        samples.taken = Some(now);
        samples.counts = counts;
        samples.rates.clone_from(&rates);
        rates
    }
}

/// The recent crash reports, newest last.
pub(crate) fn crashes() -> Vec<CrashView> {
    sys::recent_crashes().iter().map(crash_view).collect()
}

/// The number in `id`: `12` for `<0.12.0>`.
pub(crate) fn number(id: ServerId) -> u64 {
    id.get()
}

/// A server id given in a path: `12`, or `<0.12.0>` as the runtime shows it.
pub(crate) fn parse_id(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text
        .strip_prefix("<0.")
        .and_then(|rest| rest.strip_suffix(".0>"))
        .unwrap_or(text);
    digits.parse().ok().filter(|number| *number > 0)
}

fn process_view(info: &ProcessInfo, rate: Option<f64>) -> ProcessView {
    ProcessView {
        id: number(info.id),
        pid: info.id.to_string(),
        name: info.name.clone(),
        type_name: info.type_name,
        short_type: short_type(info.type_name),
        mailbox_len: info.mailbox_len,
        messages_in: info.messages_in,
        rate,
        parent: info.parent.map(number),
        links: info.links.iter().copied().map(number).collect(),
        status: if info.suspended {
            "suspended"
        } else {
            "running"
        },
        uptime_ms: u64::try_from(info.uptime.as_millis()).unwrap_or(u64::MAX),
    }
}

fn crash_view(report: &CrashReport) -> CrashView {
    CrashView {
        id: number(report.id),
        pid: report.id.to_string(),
        name: report.name.clone(),
        type_name: report.type_name,
        short_type: short_type(report.type_name),
        reason: report.reason.to_string(),
        message: report.message.clone(),
        location: report.location.clone(),
        at_ms: epoch_ms(report.at),
    }
}

fn epoch_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    })
}

/// `type_name` without module paths, generics kept:
/// `my_app::Cache<alloc::string::String, u64>` becomes `Cache<String, u64>`.
pub(crate) fn short_type(type_name: &str) -> String {
    let mut out = String::with_capacity(type_name.len());
    let mut rest = type_name;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("::") {
            // Drop the path segment just written.
            while out.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                out.pop();
            }
            rest = after;
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{parse_id, short_type};

    #[test]
    fn short_types() {
        assert_eq!(short_type("observer::Counter"), "Counter");
        assert_eq!(
            short_type("genserver::supervisor::Supervisor"),
            "Supervisor"
        );
        assert_eq!(
            short_type("my_app::Cache<alloc::string::String, u64>"),
            "Cache<String, u64>"
        );
        assert_eq!(short_type("Plain"), "Plain");
    }

    #[test]
    fn ids() {
        assert_eq!(parse_id("12"), Some(12));
        assert_eq!(parse_id("<0.12.0>"), Some(12));
        assert_eq!(parse_id("0"), None);
        assert_eq!(parse_id("x"), None);
        assert_eq!(parse_id("<0.x.0>"), None);
    }
}
