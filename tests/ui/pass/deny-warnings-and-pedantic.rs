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

/// A ticker that uses the handler context, info messages and a deferred reply.
#[derive(Debug)]
pub struct Ticker {
    ticks: u64,
    pending: Vec<ReplyTo<u64>>,
}

#[gen_server]
impl Ticker {
    /// Starts counting from `start`, unless it is `u64::MAX`, which it
    /// ignores; refuses zero.
    ///
    /// # Errors
    ///
    /// When `start` is zero.
    #[init]
    fn init(start: u64, ctx: &mut Context<Self>) -> Result<Option<Self>, String> {
        if start == 0 {
            return Err("zero".to_owned());
        }
        if start == u64::MAX {
            return Ok(None);
        }
        ctx.continue_with(TickerInfo::Advance { by: 1 });
        Ok(Some(Ticker {
            ticks: start,
            pending: Vec::new(),
        }))
    }

    /// The count, answered by the next tick.
    #[call]
    fn next_tick(&mut self, reply: ReplyTo<u64>, ctx: &mut Context<Self>) {
        self.pending.push(reply);
        ctx.continue_with(TickerInfo::Tick);
    }

    /// The count now, or zero if the server is stopping.
    #[call]
    #[must_use]
    pub fn ticks(&self, ctx: &Context<Self>) -> u64 {
        if ctx.is_stopping() { 0 } else { self.ticks }
    }

    /// Advances the count by `by` before handling any other message.
    #[cast]
    pub fn advance_now(&mut self, by: u64, ctx: &mut Context<Self>) {
        ctx.continue_with(TickerInfo::Advance { by });
    }

    #[info]
    fn tick(&mut self, ctx: &mut Context<Self>) {
        self.ticks += 1;
        for reply in self.pending.drain(..) {
            let _ = reply.send(self.ticks);
        }
        ctx.hibernate();
    }

    #[info]
    fn advance(&mut self, by: u64) {
        self.ticks += by;
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

    let ticker = Ticker::start(10).await.unwrap();
    assert_eq!(ticker.ticks().await.unwrap(), 11);
    assert_eq!(ticker.next_tick().await.unwrap(), 12);
    ticker.advance_now(5).unwrap();
    ticker.send_info(TickerInfo::Tick).unwrap();
    ticker.send_info(TickerInfo::Advance { by: 2 }).unwrap();
    assert_eq!(ticker.next_tick().await.unwrap(), 21);
    assert!(matches!(Ticker::start(0).await, Err(StartError::Init(_))));
    assert!(matches!(
        Ticker::start(u64::MAX).await,
        Err(StartError::Ignore)
    ));
    ticker.stop().await.unwrap();
}
