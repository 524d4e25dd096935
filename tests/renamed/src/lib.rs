//! A crate that depends on genserver under the name `gs`, as a crate that
//! re-exports or renames it would: `#[gen_server(crate = ::gs)]` makes the
//! generated code use that path. Without the argument this crate would not
//! compile, since `::genserver` does not exist here.

use gs::prelude::*;

/// A counter, reached through the renamed dependency.
#[derive(Debug, Default)]
pub struct Counter {
    n: u64,
}

#[gen_server(crate = ::gs)]
impl Counter {
    /// Adds one and replies with the new count.
    #[call]
    pub fn bump_and_get(&mut self) -> u64 {
        self.n += 1;
        self.n
    }

    /// Adds `by` without waiting.
    #[cast]
    pub fn add(&mut self, by: u64) {
        self.n += by;
    }
}

#[cfg(test)]
mod tests {
    use super::Counter;

    #[tokio::test]
    async fn a_server_generated_through_a_renamed_crate_runs() {
        let counter = Counter::start(Counter::default()).await.unwrap();
        counter.add(41).unwrap();
        assert_eq!(counter.bump_and_get().await.unwrap(), 42);
        let found = gs::whereis::<Counter>("no such name");
        assert!(found.is_none());
    }
}
