//! Outside a `#[call]`, a `ReplyTo<R>` argument is data like any other: a
//! reply slot forwarded from a call to a cast, an info message, or the
//! `#[init]` of another server.
use genserver::prelude::*;

struct Answerer {
    value: u64,
}

#[gen_server]
impl Answerer {
    #[init]
    fn init(value: u64, ready: ReplyTo<u64>) -> Self {
        let _ = ready.send(value);
        Answerer { value }
    }

    #[cast]
    fn answer(&mut self, reply: ReplyTo<u64>) {
        let _ = reply.send(self.value);
    }

    #[info]
    fn answer_doubled(&mut self, reply: ReplyTo<u64>) {
        let _ = reply.send(self.value * 2);
    }
}

#[derive(Default)]
struct Front {
    answerer: Option<ServerRef<Answerer>>,
}

#[gen_server]
impl Front {
    #[call]
    async fn spawn(&mut self, value: u64, reply: ReplyTo<u64>) {
        self.answerer = Some(Answerer::start(value, reply).await.unwrap());
    }

    #[call]
    fn ask(&mut self, reply: ReplyTo<u64>) {
        let answerer = self.answerer.as_ref().unwrap();
        answerer.answer(reply).unwrap();
    }

    #[call]
    fn ask_doubled(&mut self, reply: ReplyTo<u64>) {
        let answerer = self.answerer.as_ref().unwrap();
        answerer
            .send_info(AnswererInfo::AnswerDoubled { reply })
            .unwrap();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let front = Front::start(Front::default()).await.unwrap();
    assert_eq!(front.spawn(21).await.unwrap(), 21);
    assert_eq!(front.ask().await.unwrap(), 21);
    assert_eq!(front.ask_doubled().await.unwrap(), 42);
}
