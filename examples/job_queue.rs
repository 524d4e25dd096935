//! A job queue whose `submit` replies only when a worker has run the job.
//!
//! `submit` is a call that takes its reply slot (`ReplyTo`, the `from` of
//! Elixir's `handle_call/3`) and keeps it in the state with the job; the
//! caller's `.await` ends when a worker reports back and the server replies.
//! The server loads its backlog in a continue right after `init`, starts the
//! next job in a continue right after one finishes, replies at once to a job
//! it refuses, skips the job of a caller that gave up waiting, and a caller
//! still waiting when the server stops gets its exit reason: no reply slot
//! is left behind. Time is paused (tokio's test clock), so the output, times
//! included, is the same on every run.

use std::collections::VecDeque;
use std::fmt::Display;
use std::sync::OnceLock;
use std::time::Duration;

use genserver::prelude::*;
use tokio::time::Instant;

/// What a caller of `submit` gets: the worker's output, or why the job was refused.
pub type Outcome = Result<String, String>;

/// A job, and the caller waiting for it.
#[derive(Debug)]
struct Job {
    name: String,
    millis: u64,
    /// Where the outcome goes: `from`. `None` for backlog jobs, which nobody
    /// waits for.
    reply: Option<ReplyTo<Outcome>>,
}

/// What the queue has done so far.
#[derive(Debug)]
pub struct Stats {
    /// Jobs a worker finished.
    pub finished: u32,
    /// Jobs skipped because their caller had stopped waiting.
    pub skipped: u32,
    /// Jobs queued behind the running one.
    pub waiting: usize,
    /// The job a worker is running.
    pub running: Option<String>,
}

/// Jobs waiting, the job running (one at a time), and counts.
#[derive(Debug, Default)]
pub struct JobQueue {
    waiting: VecDeque<Job>,
    running: Option<Job>,
    finished: u32,
    skipped: u32,
}

#[gen_server]
impl JobQueue {
    /// `init/1`: `{:ok, state, {:continue, {:load, backlog}}}`. `start`
    /// returns at once; the continue runs next, before any message.
    #[init]
    fn init(backlog: Vec<(String, u64)>, ctx: &mut Context<Self>) -> Self {
        ctx.continue_with(JobQueueInfo::Load { backlog });
        JobQueue::default()
    }

    /// `handle_continue({:load, backlog}, state)`: the slow part of starting
    /// up, kept out of `init` so that `start` does not wait for it.
    #[info]
    async fn load(&mut self, backlog: Vec<(String, u64)>, ctx: &mut Context<Self>) {
        // Reading the backlog from disk.
        tokio::time::sleep(Duration::from_millis(50)).await;
        say(format_args!(
            "server: loaded {} backlog job(s)",
            backlog.len()
        ));
        let jobs = backlog.into_iter().map(|(name, millis)| Job {
            name,
            millis,
            reply: None,
        });
        self.waiting.extend(jobs);
        ctx.continue_with(JobQueueInfo::RunNext);
    }

    /// `handle_call({:submit, name, ms}, from, state)`: queues the job and
    /// returns without replying, `{:noreply, state}`; the reply is sent when
    /// the job is done.
    #[call]
    pub fn submit(
        &mut self,
        name: String,
        millis: u64,
        reply: ReplyTo<Outcome>,
        ctx: &mut Context<Self>,
    ) {
        if name.is_empty() {
            // An early reply: `{:reply, {:error, reason}, state}`.
            let _ = reply.send(Err("a job needs a name".to_owned()));
            return;
        }
        say(format_args!("server: queued {name}"));
        self.waiting.push_back(Job {
            name,
            millis,
            reply: Some(reply),
        });
        if self.running.is_none() {
            // `{:noreply, state, {:continue, :run_next}}`
            ctx.continue_with(JobQueueInfo::RunNext);
        }
    }

    /// `handle_continue(:run_next, state)`: hands the next job someone still
    /// waits for to a worker.
    #[info]
    fn run_next(&mut self, ctx: &mut Context<Self>) {
        if self.running.is_some() {
            return;
        }
        while let Some(job) = self.waiting.pop_front() {
            if job.reply.as_ref().is_some_and(ReplyTo::is_closed) {
                // Its caller timed out: nobody would get the result.
                say(format_args!(
                    "server: skipped {}, its caller gave up",
                    job.name
                ));
                self.skipped += 1;
                continue;
            }
            say(format_args!(
                "server: started {} ({} ms)",
                job.name, job.millis
            ));
            // The worker reports back with `send(server, {:done, output})`.
            // A weak handle: a worker does not keep the server running.
            let server = ctx.weak();
            let (name, millis) = (job.name.clone(), job.millis);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                if let Some(server) = server.upgrade() {
                    let output = format!("{name} done after {millis} ms");
                    let _ = server.send_info(JobQueueInfo::Done { output });
                }
            });
            self.running = Some(job);
            return;
        }
    }

    /// `handle_info({:done, output}, state)`: `GenServer.reply(from, {:ok,
    /// output})`, then `{:noreply, state, {:continue, :run_next}}`.
    #[info]
    fn done(&mut self, output: String, ctx: &mut Context<Self>) {
        let Some(job) = self.running.take() else {
            return;
        };
        say(format_args!("server: finished {}", job.name));
        self.finished += 1;
        if let Some(reply) = job.reply {
            let _ = reply.send(Ok(output));
        }
        ctx.continue_with(JobQueueInfo::RunNext);
    }

    /// `handle_call(:stats, _from, state)`.
    #[call]
    pub fn stats(&self) -> Stats {
        Stats {
            finished: self.finished,
            skipped: self.skipped,
            waiting: self.waiting.len(),
            running: self.running.as_ref().map(|job| job.name.clone()),
        }
    }

    /// `terminate/2`. The reply slots still in the state are dropped with
    /// it, and their callers get the exit reason.
    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        let waiting = self.waiting.len() + usize::from(self.running.is_some());
        say(format_args!(
            "server: terminate ({reason}), {waiting} job(s) not done"
        ));
    }
}

/// Prints `line` after the time since the program started.
fn say(line: impl Display) {
    static START: OnceLock<Instant> = OnceLock::new();
    let millis = START.get_or_init(Instant::now).elapsed().as_millis();
    println!("t={millis:>4} ms  {line}");
}

/// A call's result as the example prints it.
fn show(outcome: Result<Outcome, CallError>) -> String {
    match outcome {
        Ok(outcome) => format!("{outcome:?}"),
        Err(error) => format!("error: {error}"),
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    say("start with one backlog job");
    let queue = JobQueue::start(vec![("reindex".to_owned(), 200)]).await?;
    say("started; the backlog loads in a continue");

    // Three callers at once, each awaiting its own reply. Their calls wait in
    // the mailbox behind the continue.
    let resize = async {
        let outcome = queue.submit("resize".into(), 100).await;
        say(format_args!("resize -> {}", show(outcome)));
    };
    let nameless = async {
        let outcome = queue.submit(String::new(), 100).await;
        say(format_args!("nameless -> {}", show(outcome)));
    };
    // This caller waits 200 ms at most: its job will not even have started.
    let thumbnail = async {
        let outcome = queue
            .submit("thumbnail".into(), 100)
            .timeout(Duration::from_millis(200))
            .await;
        say(format_args!("thumbnail -> {}", show(outcome)));
    };
    tokio::join!(resize, nameless, thumbnail);
    say(format_args!("stats -> {:?}", queue.stats().await?));

    // A caller still waiting when the server stops gets its exit reason.
    let archive = async {
        let outcome = queue.submit("archive".into(), 1_000).no_timeout().await;
        say(format_args!("archive -> {}", show(outcome)));
    };
    let shutdown = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        say("stop_with(shutdown(\"closing\"))");
        queue
            .stop_with(ExitReason::shutdown("closing"), Duration::from_secs(1))
            .await
    };
    let ((), stopped) = tokio::join!(archive, shutdown);
    stopped?;
    Ok(())
}
