use genserver::prelude::*;

struct Names;

#[gen_server]
impl Names {
    /// Arguments named like the locals a careless expansion would use.
    #[call]
    fn all(&self, msg: u8, ctx: u8, reply: u8, tx: u8, message: u8, server: u8) -> u32 {
        u32::from(msg) + u32::from(ctx) + u32::from(reply) + u32::from(tx) + u32::from(message) + u32::from(server)
    }

    /// An argument named like the reply field of a call variant.
    #[call]
    fn reply_to(&self, reply_to: u8, raw: u8, state: u8) -> u8 {
        reply_to + raw + state
    }

    #[cast]
    fn f(&mut self, f: u8, this: u8) {
        let _ = (f, this);
    }

    /// A raw identifier as a handler name.
    #[call]
    fn r#type(&self, r#in: u8) -> u8 {
        r#in
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let names = Names::start(Names).await.unwrap();
    assert_eq!(names.all(1, 2, 3, 4, 5, 6).await.unwrap(), 21);
    assert_eq!(names.reply_to(1, 2, 3).await.unwrap(), 6);
    names.f(1, 2).unwrap();
    assert_eq!(names.r#type(9).await.unwrap(), 9);
    let is_type = |message: &NamesMsg| matches!(message, NamesMsg::Type { .. });
    let _ = is_type;
}
