//! The key-value server of Elixir's article "What is `GenServer`?", in Rust.
//!
//! `get` is a call (the caller waits for the reply), `put` is a cast (fire and
//! forget). The server is started once anonymously and once under a name.

use std::collections::HashMap;

use genserver::prelude::*;

/// The server's state: the map `init/1` builds in the Elixir original.
#[derive(Debug, Default)]
pub struct MyServer {
    map: HashMap<String, String>,
}

#[gen_server]
impl MyServer {
    /// Looks `key` up. A synchronous request: the caller waits for the reply.
    #[call]
    pub fn get(&mut self, key: String) -> Option<String> {
        self.map.get(&key).cloned()
    }

    /// Stores `value` under `key`. Fire and forget: the caller does not wait.
    #[cast]
    pub fn put(&mut self, key: String, value: String) {
        self.map.insert(key, value);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = MyServer::start(MyServer::default()).await?;
    println!("started an anonymous server");

    server.put("hello".into(), "world".into())?;
    println!("put hello => world (cast)");
    let value = server.get("hello".into()).await?;
    println!("get hello -> {value:?} (call)");
    let missing = server.get("nothing".into()).await?;
    println!("get nothing -> {missing:?} (call)");

    let named = MyServer::start_named("cache", MyServer::default()).await?;
    println!("started a server named \"cache\"");
    let found = genserver::whereis::<MyServer>("cache").ok_or("\"cache\" is not registered")?;
    found.put("k".into(), "v".into())?;
    println!("put k => v through whereis(\"cache\")");
    let value = named.get("k".into()).await?;
    println!("get k -> {value:?} through the handle start_named returned");

    server.stop().await?;
    named.stop().await?;
    println!("stopped both servers");
    match server.get("hello".into()).await {
        Err(error) => println!("get after stop -> error: {error}"),
        Ok(value) => println!("get after stop -> unexpectedly {value:?}"),
    }
    println!(
        "\"cache\" registered after stop: {}",
        genserver::whereis::<MyServer>("cache").is_some()
    );
    Ok(())
}
