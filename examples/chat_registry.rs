//! Chat rooms found by their id, and announcements by topic: two
//! `Registry`s, one with unique keys and one with duplicate keys.
//!
//! `rooms` has unique keys (`Keys::Unique`): room ids. Each room is started
//! under its id, `StartOptions::new().via(&rooms, id)`, as Elixir names a
//! process `{:via, Registry, {Rooms, id}}`, and clients find it with
//! `ServerRef::<Room>::via(&rooms, &id)`, which gives `CallError::NoProc`
//! for an id that no room has. Starting a second room under a taken id
//! fails with `StartError::AlreadyStarted` and the room that has it.
//!
//! The rooms run under a `DynamicSupervisor`. Each one's child spec is made
//! with `ChildSpec::new` from a start function that registers the room
//! under its id, and the supervisor calls that function again to restart
//! it: a room that crashes leaves `rooms` as it stops, is restarted (the
//! default `Restart::Permanent`) and registered under the same id again,
//! and a client that looks the id up finds the new room.
//!
//! `topics` has duplicate keys (`Keys::Duplicate`): local pub/sub. Members
//! register themselves under `Topic::Announcements`, with their language as
//! the entry's value, and under `Topic::Room(id)` for each room they join.
//! An announcement goes to every member with `dispatch`, each in its own
//! language; `match_values` picks the members by language. A room sends
//! its posts to the members under its topic: it keeps no list of members
//! itself, so a restarted room has all of them, and only its own count of
//! posts starts again from zero.
//!
//! An entry goes when its server stops, however it stops: a member that
//! stops has left every topic, and `unregister` leaves one. `count`,
//! `count_key` and `keys` show what each registry holds.
//!
//! The Elixir original: `examples/elixir/chat_registry.exs`.

use genserver::prelude::*;
use genserver::{Keys, Registry, RegistryError};

/// What members subscribe to: `:announcements` or `{:room, id}` in Elixir.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// News for everyone.
    Announcements,
    /// The posts of the room with this id.
    Room(u64),
}

/// The language a member reads: the value of each of its entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// `:en`.
    English,
    /// `:fr`.
    French,
}

/// Rooms by id: `Registry.start_link(keys: :unique, name: Rooms)`.
pub type Rooms = Registry<u64>;

/// Members by topic, each with its language:
/// `Registry.start_link(keys: :duplicate, name: Topics)`.
pub type Topics = Registry<Topic, Language>;

/// Someone in the chat: keeps every line it receives until it reads them.
#[derive(Debug)]
pub struct Member {
    name: String,
    language: Language,
    topics: Topics,
    inbox: Vec<String>,
}

#[gen_server]
impl Member {
    /// `init/1`: subscribes to the announcements, in the member's language:
    /// `Registry.register(Topics, :announcements, language)`.
    #[init]
    fn init(
        name: String,
        language: Language,
        topics: Topics,
        ctx: &mut Context<Self>,
    ) -> Result<Self, RegistryError> {
        topics.register(&ctx.handle(), Topic::Announcements, language)?;
        Ok(Member {
            name,
            language,
            topics,
            inbox: Vec::new(),
        })
    }

    /// Subscribes to the posts of room `id`:
    /// `Registry.register(Topics, {:room, id}, language)`.
    #[call]
    pub fn join(&mut self, id: u64, ctx: &mut Context<Self>) -> Result<(), RegistryError> {
        self.topics
            .register(&ctx.handle(), Topic::Room(id), self.language)
    }

    /// Stops following room `id`: `Registry.unregister(Topics, {:room, id})`.
    #[call]
    pub fn leave(&mut self, id: u64, ctx: &mut Context<Self>) {
        self.topics.unregister(&ctx.handle(), &Topic::Room(id));
    }

    /// A line from a room or an announcement.
    #[cast]
    pub fn deliver(&mut self, line: String) {
        self.inbox.push(line);
    }

    /// The lines received since the last read, oldest first.
    #[call]
    pub fn read(&mut self) -> Vec<String> {
        std::mem::take(&mut self.inbox)
    }

    /// The member's name (`name` is taken: `ServerRef::name` gives a
    /// server's registered name).
    #[call]
    pub fn nickname(&self) -> String {
        self.name.clone()
    }
}

/// One chat room. Its members are in `topics`, under `Topic::Room(id)`.
#[derive(Debug)]
pub struct Room {
    id: u64,
    name: String,
    topics: Topics,
    posts: usize,
}

#[gen_server]
impl Room {
    /// `init/1`: a room has had no posts yet.
    #[init]
    fn init(id: u64, name: String, topics: Topics) -> Self {
        Room {
            id,
            name,
            topics,
            posts: 0,
        }
    }

    /// Sends `text` from `from` to the room's members; replies how many got
    /// it.
    ///
    /// # Panics
    ///
    /// When `text` is empty: the room stops, and the caller gets
    /// `CallError::Exit` with the panic message.
    #[call]
    pub fn post(&mut self, from: String, text: String) -> usize {
        assert!(!text.is_empty(), "{from} posted an empty message");
        self.posts += 1;
        let line = format!("#{} {from}: {text}", self.name);
        let members = self.topics.lookup_as::<Member>(&Topic::Room(self.id));
        for (member, _language) in &members {
            // A member that has stopped just misses the line.
            let _ = member.deliver(line.clone());
        }
        members.len()
    }

    /// How many posts the room has had since it started.
    #[call]
    pub fn posts(&self) -> usize {
        self.posts
    }
}

/// The child spec of room `id`: `start` registers it under `id` in `rooms`
/// and links it to the supervisor, for its first start and every restart:
/// `Supervisor.child_spec({Chat.Room, {id, name}}, id: id)`, whose
/// `start_link` names it `{:via, Registry, {Rooms, id}}`.
fn room_spec(rooms: &Rooms, topics: &Topics, id: u64, name: &str) -> ChildSpec {
    let (rooms, topics, name) = (rooms.clone(), topics.clone(), name.to_owned());
    ChildSpec::new(format!("room {id}"), move || {
        let options = StartOptions::new().via(&rooms, id).link();
        Room::start_with(options, id, name.clone(), topics.clone())
    })
}

/// An announcement in `language`.
fn announcement(language: Language) -> &'static str {
    match language {
        Language::English => "announcement: maintenance at noon",
        Language::French => "annonce : maintenance à midi",
    }
}

/// Prints what `member` has received since it last read.
async fn show_inbox(member: &ServerRef<Member>) -> Result<(), CallError> {
    let name = member.nickname().await?;
    let lines = member.read().await?;
    println!("{name}'s inbox: {lines:?}");
    Ok(())
}

/// Prints how many entries `topics` holds, in all and under each topic.
fn show_topics(topics: &Topics) {
    println!(
        "topics: count -> {}, count_key(Announcements) -> {}, \
         count_key(Room(1)) -> {}, count_key(Room(2)) -> {}",
        topics.count(),
        topics.count_key(&Topic::Announcements),
        topics.count_key(&Topic::Room(1)),
        topics.count_key(&Topic::Room(2))
    );
}

/// The topics of `member`, in order: `keys` gives them in no particular
/// order, as `Registry.keys/2` does.
fn keys_of(topics: &Topics, member: &ServerRef<Member>) -> Vec<Topic> {
    let mut keys = topics.keys(member);
    keys.sort();
    keys
}

/// Starts the rooms' supervisor and rooms 1 and 2 under it, each registered
/// under its id in `rooms`; shows that an id names one room only.
async fn open_rooms(rooms: &Rooms, topics: &Topics) -> Result<ServerRef<DynamicSupervisor>, Error> {
    let supervisor = DynamicSupervisor::start(DynamicSupervisorOptions::new()).await?;
    for (id, name) in [(1, "general"), (2, "random")] {
        supervisor
            .start_child(room_spec(rooms, topics, id, name))
            .await?;
        println!("started room {id} (#{name}) under the rooms' supervisor");
    }
    println!("rooms: count -> {}", rooms.count());

    // One room per id: a second room under a taken id is refused, with the
    // room that has it.
    let taken = StartOptions::new().via(rooms, 1);
    match Room::start_with(taken, 1, "other".into(), topics.clone()).await {
        Ok(_) => println!("a second room 1 started, unexpectedly"),
        Err(StartError::AlreadyStarted(existing)) => {
            let same = existing == ServerRef::<Room>::via(rooms, &1)?;
            println!("starting another room under id 1 -> already started, by room 1: {same}");
        }
        Err(error) => println!("starting another room under id 1 -> error: {error}"),
    }
    Ok(supervisor)
}

/// Sends an announcement to every member, in each one's language (the
/// value of its entry), then another to the members who read French.
async fn announce(topics: &Topics) -> Result<(), Error> {
    let mut reached = 0;
    topics.dispatch(&Topic::Announcements, |member, language| {
        if let Ok(member) = member.clone().downcast::<Member>()
            && member.deliver(announcement(*language).into()).is_ok()
        {
            reached += 1;
        }
    });
    println!("announcement dispatched, reaching {reached}");
    let mut french = Vec::new();
    for (member, _language) in topics.match_values(&Topic::Announcements, |language| {
        *language == Language::French
    }) {
        let member = member.downcast::<Member>().map_err(|_| "not a member")?;
        member.deliver("annonce : un salon francophone ouvre demain".into())?;
        french.push(member.nickname().await?);
    }
    french.sort();
    println!("match_values(Announcements, French) -> {french:?}");
    Ok(())
}

/// Crashes room 1 and finds the room its supervisor started in its place,
/// under the same id.
async fn crash_room_1(
    rooms: &Rooms,
    supervisor: &ServerRef<DynamicSupervisor>,
) -> Result<ServerRef<Room>, Error> {
    let general = ServerRef::<Room>::via(rooms, &1)?;
    println!("posts(room 1) -> {}", general.posts().await?);
    // A bad request: the room panics. The poster gets the panic message
    // (also written to stderr by the panic hook); the room's entry goes as
    // it stops, and the supervisor restarts it.
    println!("bob posts an empty message to room 1 ...");
    match general.post("bob".into(), String::new()).await {
        Ok(reached) => println!("bob's post unexpectedly reached {reached}"),
        Err(error) => println!("bob's post -> error: {error}"),
    }
    let reason = general.exited().await;
    println!("room 1 exited: {reason}");
    // The supervisor had the exit notice before `exited` returned: once it
    // answers, the new room is running and registered.
    println!(
        "rooms' supervisor: count_children -> {:?}",
        supervisor.count_children().await?
    );
    let restarted = ServerRef::<Room>::via(rooms, &1)?;
    println!(
        "room 1 found again by id: a new server: {}, posts -> {}",
        restarted != general,
        restarted.posts().await?
    );
    println!("rooms: count -> {}", rooms.count());
    Ok(restarted)
}

type Error = Box<dyn std::error::Error>;

// One thread, so that the output is the same on every run.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let rooms: Rooms = Registry::new(Keys::Unique);
    let topics: Topics = Registry::new(Keys::Duplicate);
    let supervisor = open_rooms(&rooms, &topics).await?;

    // Members subscribe to the announcements as they start, then to the
    // rooms they join.
    let alice = Member::start("alice".into(), Language::English, topics.clone()).await?;
    let bob = Member::start("bob".into(), Language::French, topics.clone()).await?;
    let carol = Member::start("carol".into(), Language::French, topics.clone()).await?;
    println!("alice (English), bob (French) and carol (French) subscribed to Announcements");
    alice.join(1).await??;
    bob.join(1).await??;
    bob.join(2).await??;
    carol.join(2).await??;
    println!("alice joined room 1, bob rooms 1 and 2, carol room 2");
    show_topics(&topics);
    println!("keys(bob) -> {:?}", keys_of(&topics, &bob));

    // Rooms by id.
    let reached = ServerRef::<Room>::via(&rooms, &1)?
        .post("alice".into(), "hello".into())
        .await?;
    println!("alice posted to room 1, found by id, reaching {reached}");
    let reached = ServerRef::<Room>::via(&rooms, &2)?
        .post("carol".into(), "salut".into())
        .await?;
    println!("carol posted to room 2, found by id, reaching {reached}");
    match ServerRef::<Room>::via(&rooms, &3) {
        Ok(_) => println!("room 3 found, unexpectedly"),
        Err(error) => println!("room 3 -> error: {error}"),
    }
    show_inbox(&alice).await?;
    show_inbox(&bob).await?;
    show_inbox(&carol).await?;

    announce(&topics).await?;
    show_inbox(&alice).await?;
    show_inbox(&bob).await?;
    show_inbox(&carol).await?;

    // The restarted room's members are in `topics`, which the crash did not
    // touch.
    let general = crash_room_1(&rooms, &supervisor).await?;
    let reached = general.post("alice".into(), "still there?".into()).await?;
    println!("alice posted to room 1, reaching {reached}");
    show_inbox(&alice).await?;
    show_inbox(&bob).await?;

    // A member that stops leaves every topic; `unregister` leaves one.
    println!("bob stops ...");
    bob.stop().await?;
    println!("keys(bob) -> {:?}", keys_of(&topics, &bob));
    show_topics(&topics);
    alice.leave(1).await?;
    println!(
        "alice left room 1: keys(alice) -> {:?}",
        keys_of(&topics, &alice)
    );
    show_topics(&topics);
    let reached = general.post("carol".into(), "anyone?".into()).await?;
    println!("carol posted to room 1, reaching {reached}");
    let random = ServerRef::<Room>::via(&rooms, &2)?;
    let reached = random.post("carol".into(), "anyone?".into()).await?;
    println!("carol posted to room 2, reaching {reached}");
    show_inbox(&carol).await?;

    // Stopping the supervisor stops every room, and empties `rooms`.
    println!("keys(room 2) -> {:?}", rooms.keys(&random));
    println!("stop the rooms' supervisor ...");
    supervisor.stop().await?;
    println!("rooms: count -> {}", rooms.count());
    match ServerRef::<Room>::via(&rooms, &2) {
        Ok(_) => println!("room 2 found, unexpectedly"),
        Err(error) => println!("room 2 -> error: {error}"),
    }
    Ok(())
}
