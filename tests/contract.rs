//! The contract of DESIGN.md, verbatim: the first program must compile and
//! run as written, and the `#[init]` example must behave as described.

#![allow(missing_docs, missing_debug_implementations, unreachable_pub)]

mod support;

/// DESIGN.md's first program, unchanged.
#[rustfmt::skip]
mod contract_program {
    use genserver::prelude::*;
    use std::collections::HashMap;

    #[derive(Default)]
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
        let server: ServerRef<MyServer> = MyServer::start(MyServer::default()).await?; // start/2
        let _ = server.put("hello".into(), "world".into());            // GenServer.cast/2
        assert_eq!(server.get("hello".into()).await?, Some("world".into())); // GenServer.call/3, 5 s
        let quick = server.get("hello".into()).timeout(std::time::Duration::from_millis(50)).await?;
        assert_eq!(quick, Some("world".into()));

        let named = MyServer::start_named("cache", MyServer::default()).await?; // start/3 with name:
        let found = genserver::whereis::<MyServer>("cache").expect("registered");
        let _ = found.put("k".into(), "v".into());
        assert_eq!(named.get("k".into()).await?, Some("v".into()));

        server.stop().await?;                                           // GenServer.stop/1
        assert!(server.get("hello".into()).await.is_err());             // CallError::NoProc
        Ok(())
    }

    // Not part of the program: the test that runs it.
    #[test]
    fn design_contract_program_runs() {
        let _watchdog = crate::support::watchdog();
        main().expect("the contract program returns Ok");
    }
}

/// DESIGN.md's `#[init]` example, with the struct it needs.
// The example's `init` is `async` without awaiting, as DESIGN.md writes it.
#[allow(clippy::unused_async)]
#[rustfmt::skip]
mod init_example {
    use genserver::prelude::*;

    pub struct Counter {
        n: u64,
    }

    #[gen_server]
    impl Counter {
        #[init]
        async fn init(start: u64) -> Result<Self, String> { Ok(Counter { n: start }) }
        #[call]
        fn next(&mut self) -> u64 { self.n += 1; self.n }
    }

    #[tokio::test]
    async fn start_runs_init_with_the_argument() -> Result<(), Box<dyn std::error::Error>> {
        let _watchdog = crate::support::watchdog();
        let c = Counter::start(41).await?;
        assert_eq!(c.next().await?, 42);
        Ok(())
    }
}
