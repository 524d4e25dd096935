//! A crate that denies warnings, missing docs and clippy's pedantic lints
//! (it is also the `lints` test target, which CI's clippy checks), and
//! forbids `unsafe` code.
#![forbid(unsafe_code)]
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

/// Handlers with lint attributes of their own, `cfg_attr`s and
/// higher-ranked argument types.
#[derive(Debug)]
struct Attributed {
    seen: usize,
}

/// A function of any borrow.
type Shorten = Box<dyn for<'a> Fn(&'a str) -> &'a str + Send>;

#[gen_server]
impl Attributed {
    /// Only reads its argument: the user expects the lint the generated
    /// code would otherwise allow.
    #[call]
    #[expect(clippy::needless_pass_by_value)]
    fn measure(&mut self, text: String) -> usize {
        self.seen += text.len();
        self.seen
    }

    #[cast]
    #[cfg_attr(all(), inline)]
    #[cfg_attr(any(), must_use, doc = "never compiled")]
    fn reset(&mut self) {
        self.seen = 0;
    }

    #[call]
    fn shorten(&self, shorten: Shorten, text: String) -> String {
        shorten(&text).to_owned()
    }

    #[call]
    fn shorten_inline(
        &self,
        shorten: Box<dyn for<'a> Fn(&'a str) -> &'a str + Send>,
        text: String,
    ) -> String {
        shorten(&text).to_owned()
    }
}

/// The first character of `text` (ASCII).
fn first(text: &str) -> &str {
    text.get(..1).unwrap_or(text)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let attributed = Attributed::start(Attributed { seen: 0 }).await.unwrap();
    assert_eq!(attributed.measure("abc".to_owned()).await.unwrap(), 3);
    attributed.reset().unwrap();
    assert_eq!(attributed.measure("d".to_owned()).await.unwrap(), 1);
    let shorten: Shorten = Box::new(first);
    assert_eq!(
        attributed.shorten(shorten, "xyz".to_owned()).await.unwrap(),
        "x"
    );
    let shorten_inline = attributed.shorten_inline(Box::new(first), "uv".to_owned());
    assert_eq!(shorten_inline.await.unwrap(), "u");

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
