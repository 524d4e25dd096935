use genserver::prelude::*;

struct Logger {
    lines: Vec<String>,
}

#[gen_server]
impl Logger {
    #[info]
    fn log(&mut self, line: &str) {
        self.lines.push(line.to_owned());
    }
}

fn main() {}
