use genserver::prelude::*;

struct Store {
    name: String,
}

#[gen_server]
impl Store {
    #[call]
    fn label(&self) -> &String {
        &self.name
    }
}

fn main() {}
