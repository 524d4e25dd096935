//! Lifetimes that are not borrows of the message: `Fn(&str)` sugar, `fn`
//! pointers, `for<'a>` bounds, and `'static` data.

use genserver::prelude::*;

#[derive(Default)]
struct Transformer {
    applied: usize,
}

type Transform = Box<dyn for<'a> Fn(&'a str) -> &'a str + Send>;

#[gen_server]
impl Transformer {
    #[call]
    fn apply(&mut self, text: String, transform: Transform) -> String {
        self.applied += 1;
        transform(&text).to_owned()
    }

    #[call]
    fn apply_sugar(&mut self, text: String, transform: Box<dyn Fn(&str) -> String + Send>) -> String {
        transform(&text)
    }

    #[call]
    fn apply_pointer(&mut self, text: String, transform: fn(&str) -> &str) -> String {
        transform(&text).to_owned()
    }

    #[cast]
    fn label(&mut self, _label: Option<&'static str>) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let server = Transformer::start(Transformer::default()).await.unwrap();
    assert_eq!(server.apply(" x ".into(), Box::new(str::trim)).await.unwrap(), "x");
    assert_eq!(server.apply_sugar("y".into(), Box::new(|s| s.repeat(2))).await.unwrap(), "yy");
    assert_eq!(server.apply_pointer(" z".into(), str::trim_start).await.unwrap(), "z");
    server.label(Some("static")).unwrap();
}
