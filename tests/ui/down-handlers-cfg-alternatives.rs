use genserver::prelude::*;

struct Watcher;

#[gen_server]
impl Watcher {
    #[cfg(any())]
    #[info]
    fn down_quietly(&mut self, down: Down) {
        let _ = down;
    }

    #[cfg(all())]
    #[info]
    fn down_loudly(&mut self, down: Down) {
        println!("{down:?}");
    }
}

fn main() {}
