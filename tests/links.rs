//! Links and trapping exits. Where a test ports a case of OTP's
//! `erts/emulator/test/erl_link_SUITE.erl` or `process_SUITE.erl`, it names
//! it; others follow `gen_server.erl` and Elixir's `Process` docs.

mod support;

#[path = "support/node.rs"]
mod node;

use genserver::prelude::*;
use genserver::{Exit, LinkError};
use node::{Event, LIMIT, Node, any, next, node};
use support::within;
use tokio::sync::mpsc::unbounded_channel;

// Links.

/// `erl_link_SUITE:links`: a child started with `start_link` dies with its
/// parent's reason, without `terminate`.
#[tokio::test]
async fn a_crash_spreads_to_the_linked_child() {
    let _watchdog = support::watchdog();
    let (parent, mut events) = node(false).await;
    let child = parent.spawn_child(false).await.unwrap();
    assert_eq!(child.parent().await.unwrap(), Some(parent.id()));
    parent.crash().unwrap();
    assert!(matches!(
        next(&mut events).await,
        Event::Terminated(id, ExitReason::Panic(_)) if id == parent.id()
    ));
    let reason = within(LIMIT, "the child's exit", child.exited()).await;
    assert_eq!(reason.panic_message(), Some("boom"));
    assert!(
        events.try_recv().is_err(),
        "a server killed by an exit signal does not run terminate"
    );
}

/// And the other way: the child's crash takes its parent down.
#[tokio::test]
async fn a_crash_spreads_to_the_parent() {
    let _watchdog = support::watchdog();
    let (parent, _events) = node(false).await;
    let child = parent.spawn_child(false).await.unwrap();
    child.quit(ExitReason::custom("broken")).unwrap();
    assert_eq!(
        within(LIMIT, "the parent's exit", parent.exited()).await,
        ExitReason::custom("broken")
    );
}

/// `process_SUITE:t_exit_2_other_normal`: `:normal` does not spread along links.
#[tokio::test]
async fn a_normal_exit_does_not_spread() {
    let _watchdog = support::watchdog();
    let (parent, _events) = node(false).await;
    let child = parent.spawn_child(false).await.unwrap();
    child.stop().await.unwrap();
    assert!(parent.is_alive());
    assert_eq!(parent.parent().await.unwrap(), None);
    parent.stop().await.unwrap();
}

/// `{:shutdown, term}` is not `:normal`: it spreads.
#[tokio::test]
async fn a_shutdown_spreads() {
    let _watchdog = support::watchdog();
    let (parent, _events) = node(false).await;
    let child = parent.spawn_child(false).await.unwrap();
    parent
        .stop_with(ExitReason::shutdown("closing"), LIMIT)
        .await
        .unwrap();
    assert_eq!(
        within(LIMIT, "the child's exit", child.exited()).await,
        ExitReason::shutdown("closing")
    );
}

/// `process_SUITE:t_exit_2_other`: a server that traps exits gets a notice
/// instead of dying, whatever the reason.
#[tokio::test]
async fn a_server_that_traps_exits_gets_notices() {
    let _watchdog = support::watchdog();
    let (watcher, mut events) = node(true).await;
    for reason in [ExitReason::Normal, ExitReason::custom("bad")] {
        let (other, _other_events) = node(false).await;
        watcher.link_to(any(&other)).await.unwrap().unwrap();
        other.quit(reason.clone()).unwrap();
        assert_eq!(
            next(&mut events).await,
            Event::Exit(
                watcher.id(),
                Exit {
                    from: other.id(),
                    reason
                }
            )
        );
    }
    assert!(watcher.is_alive());
}

/// The parent rule of `gen_server.erl` (`{'EXIT', Parent, Reason}`): a child
/// that traps exits runs `terminate` with its parent's reason instead of
/// getting a notice.
#[tokio::test]
async fn a_trapping_child_stops_with_its_parent() {
    let _watchdog = support::watchdog();
    let (parent, mut events) = node(false).await;
    let child = parent.spawn_child(true).await.unwrap();
    parent.quit(ExitReason::Shutdown).unwrap();
    let mut terminated = Vec::new();
    for _ in 0..2 {
        let Event::Terminated(id, reason) = next(&mut events).await else {
            panic!("no notices: the parent's exit stops the child")
        };
        assert_eq!(reason, ExitReason::Shutdown);
        terminated.push(id);
    }
    terminated.sort();
    let mut expected = vec![parent.id(), child.id()];
    expected.sort();
    assert_eq!(terminated, expected);
}

/// The parent rule holds for `:normal` too, as in `gen_server`.
#[tokio::test]
async fn a_trapping_child_stops_with_its_parent_even_normally() {
    let _watchdog = support::watchdog();
    let (parent, _events) = node(false).await;
    let child = parent.spawn_child(true).await.unwrap();
    parent.stop().await.unwrap();
    assert_eq!(
        within(LIMIT, "the child's exit", child.exited()).await,
        ExitReason::Normal
    );
}

/// Elixir `Process.exit/2`: a kill cannot be trapped, and what it spreads
/// (`:killed`) can.
#[tokio::test]
async fn a_kill_cannot_be_trapped() {
    let _watchdog = support::watchdog();
    let (watcher, mut events) = node(true).await;
    let (target, _target_events) = node(true).await;
    watcher.link_to(any(&target)).await.unwrap().unwrap();
    target.kill().await.unwrap();
    assert_eq!(target.exit_reason(), Some(ExitReason::Killed));
    assert_eq!(
        next(&mut events).await,
        Event::Exit(
            watcher.id(),
            Exit {
                from: target.id(),
                reason: ExitReason::Killed
            }
        )
    );
}

/// A cycle of links: one crash takes every server down once, and nothing
/// loops or hangs.
#[tokio::test]
async fn a_link_cycle_goes_down_together() {
    let _watchdog = support::watchdog();
    let mut nodes = Vec::new();
    let mut receivers = Vec::new();
    for _ in 0..4 {
        let (server, events) = node(false).await;
        nodes.push(server);
        receivers.push(events);
    }
    for index in 0..nodes.len() {
        let next = &nodes[(index + 1) % nodes.len()];
        nodes[index].link_to(any(next)).await.unwrap().unwrap();
    }
    nodes[2].quit(ExitReason::custom("cycle")).unwrap();
    for server in &nodes {
        assert_eq!(
            within(LIMIT, "the server's exit", server.exited()).await,
            ExitReason::custom("cycle")
        );
    }
}

/// `erl_link_SUITE:otp_5772_link`: after `unlink`, an exit does not spread,
/// in either direction.
#[tokio::test]
async fn unlink_stops_the_spread() {
    let _watchdog = support::watchdog();
    let (parent, _events) = node(false).await;
    let child = parent.spawn_child(false).await.unwrap();
    parent.unlink_from(any(&child)).await.unwrap();
    child.crash().unwrap();
    within(LIMIT, "the child's exit", child.exited()).await;
    assert!(parent.is_alive());
    let other = parent.spawn_child(false).await.unwrap();
    parent.unlink_from(any(&other)).await.unwrap();
    parent.quit(ExitReason::custom("alone")).unwrap();
    within(LIMIT, "the parent's exit", parent.exited()).await;
    assert!(other.is_alive());
}

/// Linking to a server that is gone fails at once, and leaves no link.
#[tokio::test]
async fn linking_to_a_dead_server_is_noproc() {
    let _watchdog = support::watchdog();
    let (server, _events) = node(false).await;
    let (gone, _gone_events) = node(false).await;
    gone.stop().await.unwrap();
    assert_eq!(
        server.link_to(any(&gone)).await.unwrap(),
        Err(LinkError::NoProc)
    );
    // Linking to itself is a no-op.
    server.link_to(any(&server)).await.unwrap().unwrap();
    server.quit(ExitReason::custom("fine")).unwrap();
    within(LIMIT, "the server's exit", server.exited()).await;
}

/// `supervisor_SUITE:sup_start_fail` (`proc_lib:init_fail`): a `start_link`
/// whose `init` fails returns the error and does not take the parent down.
#[tokio::test]
async fn a_failed_start_link_does_not_kill_the_parent() {
    let _watchdog = support::watchdog();
    let (parent, _events) = node(false).await;
    assert_eq!(
        parent.spawn_failing().await.unwrap(),
        "init failed: no luck"
    );
    assert!(parent.is_alive());
    assert_eq!(parent.parent().await.unwrap(), None);
}

/// Outside a server there is no parent: `start_link` is `start`.
#[tokio::test]
async fn start_link_outside_a_server_links_nothing() {
    let _watchdog = support::watchdog();
    let (events, _receiver) = unbounded_channel();
    let server = Node::start_link(false, events).await.unwrap();
    assert_eq!(server.parent().await.unwrap(), None);
    server.crash().unwrap();
    within(LIMIT, "the server's exit", server.exited()).await;
}

/// Trapping can be switched off again: then the signal kills.
#[tokio::test]
async fn trapping_can_be_switched_off() {
    let _watchdog = support::watchdog();
    let (watcher, _events) = node(true).await;
    let (target, _target_events) = node(false).await;
    watcher.link_to(any(&target)).await.unwrap().unwrap();
    watcher.trap(false).await.unwrap();
    target.quit(ExitReason::custom("off")).unwrap();
    assert_eq!(
        within(LIMIT, "the watcher's exit", watcher.exited()).await,
        ExitReason::custom("off")
    );
}

// A `start_link` from a destructor that runs after the server's end.

/// Held in a message that is still queued when its server stops: its
/// destructor runs in the server's task, after the end is published, and
/// starts a server with `start_link` there.
struct Late(std::sync::mpsc::Sender<Result<ServerRef<Orphan>, StartError<Orphan>>>);

impl Drop for Late {
    fn drop(&mut self) {
        let started = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(Orphan::start_link(Orphan))
        });
        let _ = self.0.send(started);
    }
}

struct Holder;

#[gen_server]
impl Holder {
    #[cast]
    fn wait(&mut self, gate: std::sync::mpsc::Receiver<()>) {
        let _ = gate.recv_timeout(LIMIT);
    }

    #[cast]
    fn quit(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
    }

    #[cast]
    fn hold(&mut self, late: Late) {
        drop(late);
    }
}

struct Orphan;

#[gen_server]
impl Orphan {
    #[cast]
    fn ping(&mut self) {}
}

/// Code the task of a server runs after its end still runs as that server:
/// a `start_link` there links to it, a server that is gone, and the new
/// server gets the `noproc` exit signal, as a link to any process that is
/// gone gives (OTP's `link/1` to a dead pid). It is not left running with
/// no parent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_link_from_a_destructor_after_the_end_gets_noproc() {
    let _watchdog = support::watchdog();
    let (release, gate) = std::sync::mpsc::channel();
    let (report, started) = std::sync::mpsc::channel();
    let holder = Holder::start(Holder).await.unwrap();
    holder.wait(gate).unwrap();
    holder.quit().unwrap();
    holder.hold(Late(report)).unwrap();
    release.send(()).unwrap();
    assert_eq!(
        within(LIMIT, "the holder's end", holder.exited()).await,
        ExitReason::Normal
    );
    let started = tokio::task::spawn_blocking(move || started.recv_timeout(LIMIT))
        .await
        .unwrap()
        .expect("the queued message was dropped in the holder's task");
    // The signal reaches the new server during its `init` (the start fails
    // with it) or just after (it stops with it): either way, with `noproc`.
    match started {
        Err(StartError::Exit(reason)) => assert_eq!(reason, ExitReason::NoProc),
        Ok(child) => assert_eq!(
            within(LIMIT, "the child's exit", child.exited()).await,
            ExitReason::NoProc
        ),
        Err(other) => panic!("{other:?}"),
    }
}
