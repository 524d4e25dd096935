use genserver::prelude::*;

mod mine {
    pub struct Down {
        pub floor: u8,
    }
}

struct Elevator;

#[gen_server]
impl Elevator {
    #[info]
    fn down(&mut self, down: mine::Down) {
        let _ = down.floor;
    }
}

fn main() {}
