use genserver::prelude::*;

struct Borrowing<'a> {
    text: &'a str,
}

#[gen_server]
impl<'a> Borrowing<'a> {
    #[call]
    fn len(&self) -> usize {
        self.text.len()
    }
}

fn main() {}
