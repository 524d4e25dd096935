//! The local name registry: `name:` in `GenServer.start/3`, and `whereis`.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

use crate::{GenServer, ServerId, ServerRef};

struct Entry {
    id: ServerId,
    /// A `ServerRef<T>` of the server's own type.
    server: Box<dyn Any + Send + Sync>,
}

static NAMES: LazyLock<Mutex<HashMap<Box<str>, Entry>>> = LazyLock::new(Mutex::default);

fn names() -> MutexGuard<'static, HashMap<Box<str>, Entry>> {
    // No code runs under the lock that can panic, but stay usable if it did.
    NAMES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Why a name could not be registered.
pub(crate) enum Taken<T: GenServer> {
    /// By a server of the same type: here it is.
    SameType(ServerRef<T>),
    /// By a server of another type.
    OtherType,
}

/// Registers `server` under `name`, unless the name is taken.
pub(crate) fn register<T: GenServer>(name: &str, server: &ServerRef<T>) -> Result<(), Taken<T>> {
    let mut names = names();
    if let Some(entry) = names.get(name) {
        return Err(entry
            .server
            .downcast_ref::<ServerRef<T>>()
            .map_or(Taken::OtherType, |existing| {
                Taken::SameType(existing.clone())
            }));
    }
    let entry = Entry {
        id: server.id(),
        server: Box::new(server.clone()),
    };
    names.insert(name.into(), entry);
    Ok(())
}

/// Frees `name` if it is still registered to server `id`. A table left
/// mostly empty by a wave of stopped servers gives its memory back.
pub(crate) fn unregister(name: &str, id: ServerId) {
    let removed = {
        let mut names = names();
        let removed = match names.get(name) {
            Some(entry) if entry.id == id => names.remove_entry(name),
            _ => None,
        };
        crate::room::give_back(&mut names, SPARE_NAMES);
        removed
    };
    // The handle is dropped outside the lock.
    drop(removed);
}

/// How many names' room the table keeps, however empty.
const SPARE_NAMES: usize = 256;

/// The names registered now, sorted: `Process.registered/0`.
///
/// ```
/// # use genserver::prelude::*;
/// # #[derive(Default)] struct Counter;
/// # #[gen_server] impl Counter { #[cast] fn tick(&mut self) {} }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let id = 7;
/// let counter = Counter::start_named(format!("counter:{id}"), Counter).await?;
/// assert!(genserver::registered().contains(&"counter:7".to_owned()));
/// counter.stop().await?;
/// assert!(!genserver::registered().contains(&"counter:7".to_owned()));
/// # Ok(()) }
/// ```
pub fn registered() -> Vec<String> {
    let mut names: Vec<String> = names().keys().map(ToString::to_string).collect();
    names.sort_unstable();
    names
}

/// Finds the server registered under `name`: `GenServer.whereis/1`, typed.
///
/// Returns `None` when no running server has that name, or when the server
/// that has it is not a `T`. A name is free again once its server has stopped.
///
/// ```
/// # use genserver::prelude::*;
/// # #[derive(Default)] struct Counter { n: u64 }
/// # #[gen_server] impl Counter { #[call] fn next(&mut self) -> u64 { self.n += 1; self.n } }
/// # #[derive(Default)] struct Other;
/// # #[gen_server] impl Other { #[cast] fn ping(&mut self) {} }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = Counter::start_named("whereis-doc", Counter::default()).await?;
/// let found = genserver::whereis::<Counter>("whereis-doc").expect("registered");
/// assert_eq!(found.next().await?, 1);
/// assert!(genserver::whereis::<Other>("whereis-doc").is_none()); // wrong type
///
/// counter.stop().await?;
/// assert!(genserver::whereis::<Counter>("whereis-doc").is_none()); // free again
/// # Ok(()) }
/// ```
pub fn whereis<T: GenServer>(name: &str) -> Option<ServerRef<T>> {
    names()
        .get(name)?
        .server
        .downcast_ref::<ServerRef<T>>()
        .cloned()
}
