//! A `tracing` subscriber that records every event with the fields of the
//! spans around it, and a panic hook that counts what it is asked to print.
//! Each test binary uses the part it needs.

#![allow(dead_code)]

use std::cell::Cell;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, Once};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::{LookupSpan, Registry};

/// A field list, as text.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fields(pub(crate) Vec<(String, String)>);

impl Fields {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.0.push((field.name().to_owned(), text));
    }
}

/// A span around an event.
#[derive(Clone, Debug)]
pub(crate) struct SpanRecord {
    pub(crate) name: &'static str,
    pub(crate) fields: Fields,
}

impl SpanRecord {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields.field(name)
    }
}

/// One event.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub(crate) level: tracing::Level,
    pub(crate) target: String,
    pub(crate) message: String,
    pub(crate) fields: Fields,
    /// Outermost first.
    pub(crate) spans: Vec<SpanRecord>,
}

impl Event {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields.field(name)
    }
}

#[derive(Clone, Default)]
pub(crate) struct Recorder(Arc<Mutex<Vec<Event>>>);

impl Recorder {
    pub(crate) fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + use<> {
        Registry::default().with(self.clone())
    }

    pub(crate) fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = fields.field("message").unwrap_or_default().to_owned();
        let spans = ctx
            .event_scope(event)
            .map(|scope| {
                scope
                    .from_root()
                    .map(|span| SpanRecord {
                        name: span.name(),
                        fields: span
                            .extensions()
                            .get::<Fields>()
                            .cloned()
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let metadata = event.metadata();
        self.0.lock().unwrap().push(Event {
            level: *metadata.level(),
            target: metadata.target().to_owned(),
            message,
            fields,
            spans,
        });
    }
}

thread_local! {
    static PRINTED: Cell<usize> = const { Cell::new(0) };
}

/// Installs, once and before any server starts, a panic hook that counts,
/// per thread, the panics it is asked to print, and prints them.
pub(crate) fn hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let print = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PRINTED.with(|n| n.set(n.get() + 1));
            print(info);
        }));
    });
}

/// How many panics the counting hook was asked to print on this thread.
pub(crate) fn hook_prints() -> usize {
    PRINTED.with(Cell::get)
}
