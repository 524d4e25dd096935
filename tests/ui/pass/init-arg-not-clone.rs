//! Servers whose init argument is not `Clone` (an `#[init]` argument, the
//! state of a server without `#[init]`, a type parameter) compile and
//! start: only calling their `child_spec` needs `Clone`.
use genserver::prelude::*;

struct Token(u8);

struct Holder {
    token: Token,
}

#[gen_server(restart = temporary)]
impl Holder {
    #[init]
    fn init(token: Token, offset: u8) -> Self {
        Holder {
            token: Token(token.0 + offset),
        }
    }

    #[call]
    fn value(&self) -> u8 {
        self.token.0
    }
}

struct Stateful {
    token: Token,
}

#[gen_server(shutdown = 1)]
impl Stateful {
    #[call]
    fn value(&self) -> u8 {
        self.token.0
    }
}

struct Slot<T> {
    value: Option<T>,
}

#[gen_server]
impl<T> Slot<T> {
    #[init]
    fn init(value: T) -> Self {
        Slot { value: Some(value) }
    }

    #[call]
    fn take(&mut self) -> Option<T> {
        self.value.take()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let holder = Holder::start(Token(1), 2).await.unwrap();
    assert_eq!(holder.value().await.unwrap(), 3);
    let stateful = Stateful::start(Stateful { token: Token(4) }).await.unwrap();
    assert_eq!(stateful.value().await.unwrap(), 4);
    let slot = Slot::start(Token(5)).await.unwrap();
    assert_eq!(slot.take().await.unwrap().map(|token| token.0), Some(5));
    // A `Clone` type argument has a child spec.
    let spec = format!("{:?}", Slot::<String>::child_spec("x".to_owned()));
    assert!(spec.contains(r#"id: "Slot""#), "{spec}");
}
