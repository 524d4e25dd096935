//! [`StartOptions`]: how to start a server.

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use crate::keyed::{Registry, Via, ViaName};

/// How to start a server: the options of `GenServer.start/3`.
///
/// ```
/// # use genserver::prelude::*;
/// # use std::time::Duration;
/// # #[derive(Default)] struct Cache;
/// # #[gen_server] impl Cache { #[cast] fn clear(&mut self) {} }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let options = StartOptions::new().name("cache").timeout(Duration::from_secs(1));
/// let cache = Cache::start_with(options, Cache).await?;
/// assert_eq!(cache.name(), Some("cache"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    pub(crate) name: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) link: bool,
    pub(crate) via: Option<ViaOption>,
}

/// A via name, shown by its key.
#[derive(Clone)]
pub(crate) struct ViaOption(pub(crate) Arc<dyn Via>);

impl std::fmt::Debug for ViaOption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Via").field(&self.0.describe()).finish()
    }
}

impl StartOptions {
    /// No name, no timeout: what `start` uses.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the server under `name` before `init` runs: `name:`.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Gives `init` at most `timeout`: `timeout:`. An `init` that overruns it
    /// is killed, and start returns [`StartError::Timeout`](crate::StartError::Timeout) with the name
    /// free again. By default `init` may take as long as it needs (OTP's
    /// default is `:infinity` too).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Registers the server in `registry` under `key` before `init` runs:
    /// `name: {:via, Registry, {registry, key}}`. The entry goes when the
    /// server stops; a supervisor that restarts it registers it again.
    /// A taken key fails the start like a taken name.
    ///
    /// # Panics
    ///
    /// If `registry` has duplicate keys, which cannot name a server.
    #[must_use]
    pub fn via<K, V>(self, registry: &Registry<K, V>, key: K) -> Self
    where
        K: Hash + Eq + Clone + Send + Sync + std::fmt::Debug + 'static,
        V: Clone + Default + Send + Sync + 'static,
    {
        self.via_with_value(registry, key, V::default())
    }

    /// As [`via`](Self::via), with the entry's value:
    /// `{:via, Registry, {registry, key, value}}`.
    ///
    /// # Panics
    ///
    /// If `registry` has duplicate keys, which cannot name a server (Elixir
    /// raises an `ArgumentError`); so does [`via`](Self::via).
    #[must_use]
    pub fn via_with_value<K, V>(mut self, registry: &Registry<K, V>, key: K, value: V) -> Self
    where
        K: Hash + Eq + Clone + Send + Sync + std::fmt::Debug + 'static,
        V: Clone + Send + Sync + 'static,
    {
        assert!(
            registry.keys_kind() == crate::Keys::Unique,
            "a via name needs a registry with unique keys, not duplicate ones"
        );
        let name = ViaName {
            registry: registry.clone(),
            key,
            value,
        };
        self.via = Some(ViaOption(Arc::new(name)));
        self
    }

    /// Links the new server to the server that starts it, which becomes its
    /// parent: `start_link`. The link is made before `init` runs; if `init`
    /// fails, it is removed first, so that the failure reaches the parent as
    /// the start's error, not as an exit signal. Outside a server (in a
    /// plain task), there is nothing to link to and this does nothing.
    #[must_use]
    pub fn link(mut self) -> Self {
        self.link = true;
        self
    }
}
