//! A crate that denies warnings, missing docs and clippy's pedantic lints
//! (it is also the `lints` test target, which CI's clippy checks).
#![deny(
    warnings,
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    clippy::pedantic
)]

use genserver::prelude::*;

/// A private server, with private argument types.
#[derive(Debug)]
struct Private {
    secret: Secret,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Secret(u8);

#[gen_server]
impl Private {
    #[call]
    fn swap(&mut self, secret: Secret) -> Secret {
        std::mem::replace(&mut self.secret, secret)
    }

    #[cast]
    fn clear(&mut self) {
        self.secret = Secret(0);
    }
}

/// A generic server with an init and a terminate.
#[derive(Debug)]
pub struct Public<T> {
    items: Vec<T>,
}

#[gen_server]
impl<T: Clone> Public<T> {
    /// Starts with one item, or with none when `first` is `None`... which it refuses.
    #[init]
    fn init(first: Option<T>) -> Result<Self, String> {
        let first = first.ok_or("nothing to start with")?;
        Ok(Public { items: vec![first] })
    }

    /// Adds an item.
    #[cast]
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }

    /// All items.
    #[call]
    #[must_use]
    pub fn items(&self) -> Vec<T> {
        self.items.clone()
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        assert!(reason.is_normal());
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let private = Private::start(Private { secret: Secret(1) }).await.unwrap();
    assert_eq!(private.swap(Secret(2)).await.unwrap(), Secret(1));
    private.clear().unwrap();
    let public = Public::start(Some(1u8)).await.unwrap();
    assert!(Public::<u8>::start(None).await.is_err());
    public.push(2).unwrap();
    assert_eq!(public.items().await.unwrap(), [1, 2]);
    public.stop().await.unwrap();
}
