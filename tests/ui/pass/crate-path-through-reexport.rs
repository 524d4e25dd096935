// A crate that re-exports genserver points the macro at its own path.
mod facade {
    pub use ::genserver as runtime;
}

use facade::runtime::prelude::gen_server;

struct Through;

#[gen_server(crate = crate::facade::runtime, message = ThroughRequest, client = ThroughApi)]
impl Through {
    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let server = Through::start(Through).await.unwrap();
    assert_eq!(server.ping().await.unwrap(), "pong");
    let _: fn(&ThroughApi) = |_| {};
    let _ = std::mem::size_of::<ThroughRequest>();
}
