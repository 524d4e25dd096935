#![allow(dead_code, non_camel_case_types)]

// Everything generated code might name without a full path, shadowed.
mod core {}
mod std {}
struct Result;
struct Ok;
struct Err;
struct Option;
struct Some;
struct None;
struct Send;
struct Sync;
struct Box;
struct Vec;
struct String;
struct Future;
struct PhantomData;
struct Infallible;
struct Debug;
struct genserver;

use ::genserver::prelude::{gen_server, ServerRef};

struct Shadowed {
    n: u64,
}

#[gen_server]
impl Shadowed {
    #[init]
    fn init(n: u64) -> ::core::result::Result<Self, ::std::string::String> {
        ::core::result::Result::Ok(Shadowed { n })
    }

    #[call]
    fn get(&self) -> u64 {
        self.n
    }

    #[cast]
    fn add(&mut self, by: u64) {
        self.n += by;
    }
}

fn main() {
    let runtime = ::tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let server: ServerRef<Shadowed> = Shadowed::start(1).await.unwrap();
        server.add(2).unwrap();
        assert_eq!(server.get().await.unwrap(), 3);
    });
}
