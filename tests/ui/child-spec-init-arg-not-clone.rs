use genserver::prelude::*;

struct Token;

struct Holder {
    token: Token,
}

#[gen_server]
impl Holder {
    #[init]
    fn init(token: Token) -> Self {
        Holder { token }
    }

    #[cast]
    fn touch(&mut self) {
        let _ = &self.token;
    }
}

struct Stateful {
    token: Token,
}

#[gen_server]
impl Stateful {
    #[cast]
    fn touch(&mut self) {
        let _ = &self.token;
    }
}

fn main() {
    let _ = Holder::child_spec(Token);
    let _ = Stateful::child_spec(Stateful { token: Token });
}
