use genserver::prelude::*;

#[derive(Clone)]
struct Planner;

#[gen_server]
impl Planner {
    #[call]
    fn child_spec(&mut self) -> String {
        "a plan".to_owned()
    }
}

fn main() {
    let _ = Planner::child_spec(Planner);
}
