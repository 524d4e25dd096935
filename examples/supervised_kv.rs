//! A key-value store registered under the name `"kv"` and run under a
//! one-for-one `Supervisor`.
//!
//! Clients find the store by its name, not by a handle kept from its start.
//! `incr` on a value that is not a number panics: that store stops (its
//! `terminate` runs with the panic), the caller gets the panic message as
//! `CallError::Exit`, and the supervisor starts a new store under the same
//! name, with an empty map. A client holding the old handle gets
//! `CallError::NoProc`; one that looks `"kv"` up again finds the new store.
//! Stopping the supervisor stops the store, running its `terminate`.
//!
//! In Elixir, the store traps exits so that its `terminate/2` runs when its
//! supervisor shuts it down; here a supervisor stops its children with an
//! ordinary stop request, which always runs `terminate`.
//!
//! The Elixir original: `examples/elixir/supervised_kv.exs`.

use std::collections::HashMap;

use genserver::prelude::*;
use genserver::supervisor::{ChildInfo, ChildState};

/// The name the store is registered under: `name: :kv` in Elixir.
const NAME: &str = "kv";

/// The store's state: a map of strings, as in `examples/kv_store.rs`.
#[derive(Debug, Default)]
pub struct Store {
    map: HashMap<String, String>,
}

#[gen_server]
impl Store {
    /// `init/1`: every start, the first and each restart, begins empty.
    #[init]
    fn init() -> Self {
        println!("store: init, empty");
        Store::default()
    }

    /// `handle_call({:get, key}, _from, map)`.
    #[call]
    pub fn get(&self, key: String) -> Option<String> {
        self.map.get(&key).cloned()
    }

    /// `handle_cast({:put, key, value}, map)`.
    #[cast]
    pub fn put(&mut self, key: String, value: String) {
        self.map.insert(key, value);
    }

    /// Adds one to the number stored under `key` (a missing key counts as 0)
    /// and returns the new number.
    ///
    /// # Panics
    ///
    /// When the value under `key` is not a number: the store stops, and the
    /// caller gets `CallError::Exit` with the panic message.
    #[call]
    pub fn incr(&mut self, key: String) -> i64 {
        let value = self.map.entry(key.clone()).or_insert_with(|| "0".into());
        let Ok(number) = value.parse::<i64>() else {
            panic!("the value of {key:?} is not a number: {value:?}");
        };
        *value = (number + 1).to_string();
        number + 1
    }

    /// `terminate/2`: runs on a crash and when the supervisor stops the store.
    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        println!("store: terminate ({reason}) with {} keys", self.map.len());
    }
}

/// `which_children`'s entries, one line each; `store` says which of them is
/// the store a client holds.
fn describe(children: &[ChildInfo], store: &ServerRef<Store>) -> String {
    let lines: Vec<String> = children
        .iter()
        .map(|child| {
            let state = match &child.state {
                ChildState::Running(server) if server.id() == store.id() => {
                    "running, the store the client holds"
                }
                ChildState::Running(_) => "running, not the store the client holds",
                ChildState::Restarting => "restarting",
                ChildState::Undefined => "not running",
            };
            format!("{} ({:?}): {state}", child.id, child.kind)
        })
        .collect();
    lines.join("; ")
}

// One thread, so that the output is the same on every run: a server that
// stops sends its exit signals (here to its supervisor) before any task woken
// by its stop runs, so a call made to the supervisor once the crash is seen
// is queued behind the supervisor's exit notice.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `start` runs the store's `start_with` again for every restart; `link()`
    // links the store to the supervisor, which is what calls it.
    let store_spec = ChildSpec::new(NAME, || {
        Store::start_with(StartOptions::new().name(NAME).link())
    });
    let supervisor = Supervisor::start(
        SupervisorOptions::new(Strategy::OneForOne),
        vec![store_spec],
    )
    .await?;
    println!("supervisor: started (one_for_one) with the child \"kv\"");

    // A client: it knows the name, not the handle.
    let store = ServerRef::<Store>::by_name(NAME)?;
    println!("client: by_name(\"kv\") -> found the store");
    store.put("greeting".into(), "hello".into())?;
    println!("put greeting => \"hello\" (cast)");
    store.put("visits".into(), "41".into())?;
    println!("put visits => \"41\" (cast)");
    println!("incr visits -> {}", store.incr("visits".into()).await?);
    println!("get greeting -> {:?}", store.get("greeting".into()).await?);
    println!(
        "which_children -> {}",
        describe(&supervisor.which_children().await?, &store)
    );
    println!("count_children -> {:?}", supervisor.count_children().await?);

    // A bad request: the handler panics, the store stops, the caller gets why.
    // The panic message also goes to stderr through the panic hook.
    println!("incr greeting (not a number) ...");
    let crashed = store.incr("greeting".into()).await;
    // The supervisor handles the store's exit, restarting it, before this call.
    let children = supervisor.which_children().await?;
    match crashed {
        Ok(number) => println!("incr greeting -> unexpectedly {number}"),
        Err(error) => println!("incr greeting -> error: {error}"),
    }
    println!("old store exited: {}", store.exited().await);
    println!("which_children -> {}", describe(&children, &store));
    match store.get("greeting".into()).await {
        Ok(value) => println!("old handle: get greeting -> unexpectedly {value:?}"),
        Err(error) => println!("old handle: get greeting -> error: {error}"),
    }

    // Looking the name up again finds the new store, with a fresh state.
    let store = ServerRef::<Store>::by_name(NAME)?;
    println!("client: by_name(\"kv\") -> found the restarted store");
    println!(
        "get greeting -> {:?} (fresh state)",
        store.get("greeting".into()).await?
    );
    println!("incr visits -> {}", store.incr("visits".into()).await?);
    let found = genserver::whereis::<Store>(NAME).ok_or("\"kv\" is not registered")?;
    println!("whereis(\"kv\") is the same store: {}", found == store);
    println!(
        "which_children -> {}",
        describe(&supervisor.which_children().await?, &store)
    );
    println!("count_children -> {:?}", supervisor.count_children().await?);

    // Stopping the supervisor stops its children first, running `terminate`.
    println!("stop the supervisor ...");
    supervisor.stop().await?;
    println!("supervisor stopped");
    println!("store alive: {}", store.is_alive());
    println!("store exit reason: {:?}", store.exit_reason());
    println!(
        "\"kv\" registered: {}",
        genserver::whereis::<Store>(NAME).is_some()
    );
    Ok(())
}
