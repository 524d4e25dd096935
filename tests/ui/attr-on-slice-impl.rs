use genserver::prelude::*;

#[gen_server]
impl [u8] {
    #[call]
    fn len2(&self) -> usize {
        self.len()
    }
}

fn main() {}
