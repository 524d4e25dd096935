//! A chat lobby: rooms started on demand under a `DynamicSupervisor`, and
//! monitored by the lobby, which forgets a room once it has stopped.
//!
//! The tree is a `Supervisor` (one for all) of two children: the rooms'
//! `DynamicSupervisor`, registered as `"rooms"`, and the lobby, registered
//! as `"lobby"`. The lobby maps room names to rooms. Joining a room that
//! does not exist starts it under `"rooms"`, and the lobby monitors it
//! (`ctx.monitor(&room)`). Members are servers of their own that collect
//! what they receive.
//!
//! Posting an empty message makes a room panic. The poster gets the panic
//! message as `CallError::Exit`, the room's `terminate` tells its members,
//! and the lobby receives a `Down` notice with the same reason and removes
//! the room from its map. The next join under that name starts a new room.
//!
//! Rooms are started with `Restart::Temporary`: the `DynamicSupervisor`
//! never restarts them. A room's state is its members, which a restart
//! would lose, and the lobby would not know the restarted room, which would
//! run with nobody able to reach it. With `Restart::Transient` the
//! supervisor would restart a room that crashed and leave one that stopped
//! normally; with `Restart::Permanent` (the default) it would restart every
//! room that stopped, for any reason.
//!
//! The top supervisor is one for all, as the lobby and the rooms depend on
//! each other: if the lobby crashed, its map would be lost and no room could
//! be found again; if the rooms' supervisor crashed, taking its rooms with
//! it, the lobby would hold the handle of a supervisor that is gone.
//! Stopping the top supervisor stops the lobby, then the rooms' supervisor,
//! which stops every room.
//!
//! The Elixir original: `examples/elixir/chat_lobby.exs`.

use std::collections::{BTreeMap, HashMap};

use genserver::MonitorRef;
use genserver::prelude::*;

/// Someone in the chat: keeps every line it receives until it reads them.
#[derive(Debug, Default)]
pub struct Member {
    inbox: Vec<String>,
}

#[gen_server]
impl Member {
    /// A line from a room: `handle_cast({:deliver, line}, lines)`.
    #[cast]
    pub fn deliver(&mut self, line: String) {
        self.inbox.push(line);
    }

    /// The lines received since the last read, oldest first.
    #[call]
    pub fn read(&mut self) -> Vec<String> {
        std::mem::take(&mut self.inbox)
    }
}

/// One chat room: its name and its members.
#[derive(Debug)]
pub struct Room {
    name: String,
    members: Vec<ServerRef<Member>>,
}

#[gen_server]
impl Room {
    /// `init/1`: a room starts empty.
    #[init]
    fn init(name: String) -> Self {
        Room {
            name,
            members: Vec::new(),
        }
    }

    /// Adds `member`; replies how many members the room has.
    #[call]
    pub fn join(&mut self, member: ServerRef<Member>) -> usize {
        self.members.push(member);
        self.members.len()
    }

    /// Sends `text` from `from` to every member; replies how many got it.
    ///
    /// # Panics
    ///
    /// When `text` is empty: the room stops, and the caller gets
    /// `CallError::Exit` with the panic message.
    #[call]
    pub fn post(&mut self, from: String, text: String) -> usize {
        assert!(!text.is_empty(), "{from} posted an empty message");
        for member in &self.members {
            // A member that has stopped just misses the line.
            let _ = member.deliver(format!("#{} {from}: {text}", self.name));
        }
        self.members.len()
    }

    /// `terminate/2`: tells the members that the room is closed, and why.
    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        for member in &self.members {
            let _ = member.deliver(format!("#{} closed: {reason}", self.name));
        }
    }
}

/// The lobby: which room has which name, and the monitor on each.
#[derive(Debug)]
pub struct Lobby {
    rooms_supervisor: ServerRef<DynamicSupervisor>,
    rooms: BTreeMap<String, ServerRef<Room>>,
    monitors: HashMap<MonitorRef, String>,
}

#[gen_server]
impl Lobby {
    /// `init/1`: finds the rooms' supervisor, started before the lobby.
    #[init]
    fn init() -> Result<Self, CallError> {
        Ok(Lobby {
            rooms_supervisor: ServerRef::by_name("rooms")?,
            rooms: BTreeMap::new(),
            monitors: HashMap::new(),
        })
    }

    /// Adds `member` to the room `name`, starting the room if there is none,
    /// and returns the room.
    #[call]
    pub async fn join(
        &mut self,
        name: String,
        member: ServerRef<Member>,
        ctx: &mut Context<Self>,
    ) -> Result<ServerRef<Room>, String> {
        let room = match self.rooms.get(&name) {
            Some(room) => room.clone(),
            None => self.open(name, ctx).await?,
        };
        room.join(member).await.map_err(|error| error.to_string())?;
        Ok(room)
    }

    /// Starts the room `name` under the rooms' supervisor and monitors it.
    /// An ordinary method, not a handler: `join` calls it.
    async fn open(
        &mut self,
        name: String,
        ctx: &mut Context<Self>,
    ) -> Result<ServerRef<Room>, String> {
        // Never restarted: see the top of this file.
        let spec = Room::child_spec(name.clone()).restart(Restart::Temporary);
        let started = self
            .rooms_supervisor
            .start_child(spec)
            .await
            .map_err(|error| error.to_string())?;
        let room = started
            .downcast::<Room>()
            .map_err(|_| "the rooms' supervisor started something else")?;
        // `Process.monitor(pid)`: a `Down` notice when the room stops.
        let monitor = ctx.monitor(&room);
        println!("lobby: started room #{name}");
        self.monitors.insert(monitor, name.clone());
        self.rooms.insert(name, room.clone());
        Ok(room)
    }

    /// The names of the open rooms, in order.
    #[call]
    pub fn rooms(&self) -> Vec<String> {
        self.rooms.keys().cloned().collect()
    }

    /// `handle_info({:DOWN, ref, :process, _pid, reason}, state)`: a room
    /// stopped; forget it.
    #[info]
    fn room_down(&mut self, down: Down) {
        if let Some(name) = self.monitors.remove(&down.monitor) {
            self.rooms.remove(&name);
            println!("lobby: #{name} is down ({}), forgetting it", down.reason);
        }
    }

    /// `terminate/2`.
    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        println!(
            "lobby: terminate ({reason}) with {} open rooms",
            self.rooms.len()
        );
    }
}

/// Prints what `member`, called `name`, has received since it last read.
async fn show_inbox(name: &str, member: &ServerRef<Member>) -> Result<(), CallError> {
    let lines = member.read().await?;
    println!("{name}'s inbox: {lines:?}");
    Ok(())
}

// One thread, so that the output is the same on every run: a server that
// stops sends its exit signals and down notices (here to the rooms'
// supervisor and to the lobby) before any task woken by its stop runs, so a
// call made to the lobby once the crash is seen is queued behind its `Down`.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rooms = ChildSpec::new("rooms", || {
        DynamicSupervisor::start_with(
            StartOptions::new().name("rooms").link(),
            DynamicSupervisorOptions::new(),
        )
    })
    .supervisor();
    let lobby = ChildSpec::new("lobby", || {
        Lobby::start_with(StartOptions::new().name("lobby").link())
    });
    let tree = Supervisor::start(
        SupervisorOptions::new(Strategy::OneForAll),
        vec![rooms, lobby],
    )
    .await?;
    let lobby = ServerRef::<Lobby>::by_name("lobby")?;
    let rooms = ServerRef::<DynamicSupervisor>::by_name("rooms")?;
    println!("tree started (one_for_all): rooms, lobby");
    println!(
        "tree's count_children -> {:?}",
        tree.count_children().await?
    );

    let alice = Member::start(Member::default()).await?;
    let bob = Member::start(Member::default()).await?;
    let carol = Member::start(Member::default()).await?;

    // Joining creates the rooms on demand.
    let general = lobby.join("general".into(), alice.clone()).await??;
    println!("alice joined #general");
    // The same room's handle again: the lobby keeps the room running.
    let _ = lobby.join("general".into(), bob.clone()).await??;
    println!("bob joined #general");
    let random = lobby.join("random".into(), carol.clone()).await??;
    println!("carol joined #random");
    println!("rooms -> {:?}", lobby.rooms().await?);
    println!(
        "rooms' count_children -> {:?}",
        rooms.count_children().await?
    );

    let reached = general.post("alice".into(), "hello".into()).await?;
    println!("alice posted to #general, reaching {reached}");
    let reached = random.post("carol".into(), "anyone?".into()).await?;
    println!("carol posted to #random, reaching {reached}");
    show_inbox("alice", &alice).await?;
    show_inbox("bob", &bob).await?;
    show_inbox("carol", &carol).await?;

    // A bad request: the room panics. The poster gets the panic message; the
    // lobby gets a `Down` notice with it. The panic message also goes to
    // stderr through the panic hook.
    println!("bob posts an empty message to #general ...");
    let crashed = general.post("bob".into(), String::new()).await;
    // The lobby handles the room's `Down` notice before this call.
    let open = lobby.rooms().await?;
    match crashed {
        Ok(reached) => println!("bob's post unexpectedly reached {reached}"),
        Err(error) => println!("bob's post -> error: {error}"),
    }
    println!("rooms -> {open:?}");
    // Temporary: not restarted, so the rooms' supervisor has one child left.
    println!(
        "rooms' count_children -> {:?}",
        rooms.count_children().await?
    );
    show_inbox("alice", &alice).await?;
    show_inbox("bob", &bob).await?;

    // The next join under that name starts a new, empty room.
    let general = lobby.join("general".into(), alice.clone()).await??;
    println!("alice joined #general again");
    let reached = general.post("alice".into(), "anyone here?".into()).await?;
    println!("alice posted to #general, reaching {reached}");
    println!("rooms -> {:?}", lobby.rooms().await?);
    println!(
        "rooms' count_children -> {:?}",
        rooms.count_children().await?
    );

    // Stopping the tree: the lobby first, then the rooms' supervisor, which
    // stops every room; each room's `terminate` tells its members.
    println!("stop the tree ...");
    tree.stop().await?;
    println!("tree stopped");
    println!(
        "lobby alive: {}, rooms' supervisor alive: {}, #general alive: {}, #random alive: {}",
        lobby.is_alive(),
        rooms.is_alive(),
        general.is_alive(),
        random.is_alive()
    );
    show_inbox("alice", &alice).await?;
    show_inbox("bob", &bob).await?;
    show_inbox("carol", &carol).await?;
    Ok(())
}
