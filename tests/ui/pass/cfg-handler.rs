use genserver::prelude::*;

struct Flags;

#[gen_server]
impl Flags {
    #[call]
    fn always(&self) -> bool {
        true
    }

    /// Compiled out: no variant, no client function, no dispatch arm.
    #[cfg(any())]
    #[call]
    fn never(&self) -> NotAType {
        unreachable!()
    }

    #[cfg_attr(all(), doc = "Documented through `cfg_attr`.")]
    #[call]
    fn documented(&self) -> u8 {
        1
    }

    #[deprecated(note = "use `always`")]
    #[call]
    fn old(&self) -> bool {
        true
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let flags = Flags::start(Flags).await.unwrap();
    assert!(flags.always().await.unwrap());
    assert_eq!(flags.documented().await.unwrap(), 1);
    #[allow(deprecated)]
    let old = flags.old().await.unwrap();
    assert!(old);
}
