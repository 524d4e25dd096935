# The Elixir original of examples/chat_registry.rs: chat rooms found by their
# id through a Registry with unique keys, under a DynamicSupervisor that
# restarts a room that crashes, and announcements by topic through a Registry
# with duplicate keys. Run it with `elixir examples/elixir/chat_registry.exs`.

defmodule Chat do
  @doc "An exit reason, as the Rust example prints it."
  def describe({exception, _stacktrace}) when is_exception(exception),
    do: "raised: " <> Exception.message(exception)

  def describe(reason) when is_atom(reason), do: Atom.to_string(reason)
  def describe(reason), do: inspect(reason)

  @doc "The name of room `id`: its key in the Chat.Rooms registry."
  def via(id), do: {:via, Registry, {Chat.Rooms, id}}

  @doc "An announcement in `language`."
  def announcement(:en), do: "announcement: maintenance at noon"
  def announcement(:fr), do: "annonce : maintenance à midi"

  @doc """
  Waits until `registry` has removed the entries of the processes that have
  exited. Each partition of a registry removes them when it gets their exit
  signal, after they are gone: a call to each partition waits for that. (The
  Rust registry removes them before the exit is seen, and needs no such wait.)
  """
  def sync(registry) do
    for {_, partition, _, _} <- Supervisor.which_children(registry) do
      :sys.get_state(partition)
    end

    :ok
  end
end

defmodule Chat.Member do
  @moduledoc "Someone in the chat: keeps every line it receives until it reads them."
  use GenServer

  def start(name, language), do: GenServer.start(__MODULE__, {name, language})
  def join(member, id), do: GenServer.call(member, {:join, id})
  def leave(member, id), do: GenServer.call(member, {:leave, id})
  def deliver(member, line), do: GenServer.cast(member, {:deliver, line})
  def read(member), do: GenServer.call(member, :read)
  def name(member), do: GenServer.call(member, :name)

  @impl true
  def init({name, language}) do
    # Subscribes to the announcements, in the member's language.
    {:ok, _} = Registry.register(Chat.Topics, :announcements, language)
    {:ok, %{name: name, language: language, lines: []}}
  end

  @impl true
  def handle_call({:join, id}, _from, state) do
    reply =
      case Registry.register(Chat.Topics, {:room, id}, state.language) do
        {:ok, _owner} -> :ok
        {:error, reason} -> {:error, reason}
      end

    {:reply, reply, state}
  end

  def handle_call({:leave, id}, _from, state) do
    {:reply, Registry.unregister(Chat.Topics, {:room, id}), state}
  end

  def handle_call(:read, _from, state),
    do: {:reply, Enum.reverse(state.lines), %{state | lines: []}}

  def handle_call(:name, _from, state), do: {:reply, state.name, state}

  @impl true
  def handle_cast({:deliver, line}, state), do: {:noreply, %{state | lines: [line | state.lines]}}
end

defmodule Chat.Room do
  @moduledoc "One chat room. Its members are in Chat.Topics, under {:room, id}."
  use GenServer

  # Named by its id: the supervisor calls this again for every restart, which
  # registers the new room under the same id.
  def start_link({id, name}), do: GenServer.start_link(__MODULE__, {id, name}, name: Chat.via(id))
  def post(room, author, text), do: GenServer.call(room, {:post, author, text})
  def posts(room), do: GenServer.call(room, :posts)

  @impl true
  def init({id, name}), do: {:ok, %{id: id, name: name, posts: 0}}

  @impl true
  def handle_call({:post, author, ""}, _from, _state) do
    raise ArgumentError, "#{author} posted an empty message"
  end

  def handle_call({:post, author, text}, _from, state) do
    line = "##{state.name} #{author}: #{text}"
    members = Registry.lookup(Chat.Topics, {:room, state.id})
    Enum.each(members, fn {member, _language} -> Chat.Member.deliver(member, line) end)
    {:reply, length(members), %{state | posts: state.posts + 1}}
  end

  def handle_call(:posts, _from, state), do: {:reply, state.posts, state}
end

defmodule Main do
  def show_inbox(member) do
    IO.puts("#{Chat.Member.name(member)}'s inbox: #{inspect(Chat.Member.read(member))}")
  end

  def show_topics do
    IO.puts(
      "topics: count -> #{Registry.count(Chat.Topics)}, " <>
        "count_key(:announcements) -> #{Registry.count_match(Chat.Topics, :announcements, :_)}, " <>
        "count_key({:room, 1}) -> #{Registry.count_match(Chat.Topics, {:room, 1}, :_)}, " <>
        "count_key({:room, 2}) -> #{Registry.count_match(Chat.Topics, {:room, 2}, :_)}"
    )
  end

  # Registry.keys/2 gives them in no particular order.
  def keys_of(registry, pid), do: registry |> Registry.keys(pid) |> Enum.sort()

  # A call by via name to a room that is not there exits the caller.
  def post_or_error(id, author, text) do
    {:ok, Chat.Room.post(Chat.via(id), author, text)}
  catch
    :exit, {reason, {GenServer, :call, _}} -> {:error, reason}
  end

  def run do
    {:ok, _} = Registry.start_link(keys: :unique, name: Chat.Rooms)
    {:ok, _} = Registry.start_link(keys: :duplicate, name: Chat.Topics)
    {:ok, supervisor} = DynamicSupervisor.start_link(strategy: :one_for_one)

    for {id, name} <- [{1, "general"}, {2, "random"}] do
      {:ok, _} = DynamicSupervisor.start_child(supervisor, {Chat.Room, {id, name}})
      IO.puts("started room #{id} (##{name}) under the rooms' supervisor")
    end

    IO.puts("rooms: count -> #{Registry.count(Chat.Rooms)}")

    # One room per id: a second room under a taken id is refused, with the
    # room that has it.
    case GenServer.start(Chat.Room, {1, "other"}, name: Chat.via(1)) do
      {:ok, _} ->
        IO.puts("a second room 1 started, unexpectedly")

      {:error, {:already_started, existing}} ->
        IO.puts(
          "starting another room under id 1 -> already started, by room 1: " <>
            "#{existing == GenServer.whereis(Chat.via(1))}"
        )

      {:error, reason} ->
        IO.puts("starting another room under id 1 -> error: #{Chat.describe(reason)}")
    end

    # Members subscribe to the announcements as they start, then to the
    # rooms they join.
    {:ok, alice} = Chat.Member.start("alice", :en)
    {:ok, bob} = Chat.Member.start("bob", :fr)
    {:ok, carol} = Chat.Member.start("carol", :fr)
    IO.puts("alice (:en), bob (:fr) and carol (:fr) subscribed to :announcements")
    :ok = Chat.Member.join(alice, 1)
    :ok = Chat.Member.join(bob, 1)
    :ok = Chat.Member.join(bob, 2)
    :ok = Chat.Member.join(carol, 2)
    IO.puts("alice joined room 1, bob rooms 1 and 2, carol room 2")
    show_topics()
    IO.puts("keys(bob) -> #{inspect(keys_of(Chat.Topics, bob))}")

    # Rooms by id.
    reached = Chat.Room.post(Chat.via(1), "alice", "hello")
    IO.puts("alice posted to room 1, found by id, reaching #{reached}")
    reached = Chat.Room.post(Chat.via(2), "carol", "salut")
    IO.puts("carol posted to room 2, found by id, reaching #{reached}")

    case post_or_error(3, "alice", "hello?") do
      {:ok, _} -> IO.puts("room 3 found, unexpectedly")
      {:error, reason} -> IO.puts("room 3 -> error: #{Chat.describe(reason)}")
    end

    show_inbox(alice)
    show_inbox(bob)
    show_inbox(carol)

    # An announcement to every member, in each one's language: the value of
    # its entry. The function runs in this process, once per partition (one
    # here).
    :ok =
      Registry.dispatch(Chat.Topics, :announcements, fn entries ->
        for {member, language} <- entries do
          Chat.Member.deliver(member, Chat.announcement(language))
        end

        send(self(), {:reached, length(entries)})
      end)

    reached = receive do: ({:reached, n} -> n)
    IO.puts("announcement dispatched, reaching #{reached}")

    # Only to the members who read French.
    french =
      for {member, :fr} <- Registry.match(Chat.Topics, :announcements, :fr) do
        Chat.Member.deliver(member, "annonce : un salon francophone ouvre demain")
        Chat.Member.name(member)
      end

    IO.puts("match_values(:announcements, :fr) -> #{inspect(Enum.sort(french))}")
    show_inbox(alice)
    show_inbox(bob)
    show_inbox(carol)

    # A bad request crashes room 1. The poster exits with the reason, caught
    # here (the crash is also logged); the supervisor restarts the room, which
    # registers under the same id.
    general = GenServer.whereis(Chat.via(1))
    IO.puts("posts(room 1) -> #{Chat.Room.posts(general)}")
    IO.puts("bob posts an empty message to room 1 ...")
    ref = Process.monitor(general)

    case post_or_error(1, "bob", "") do
      {:ok, reached} -> IO.puts("bob's post unexpectedly reached #{reached}")
      {:error, reason} -> IO.puts("bob's post -> error: #{Chat.describe(reason)}")
    end

    receive do
      {:DOWN, ^ref, :process, _, reason} -> IO.puts("room 1 exited: #{Chat.describe(reason)}")
    end

    # The supervisor had the exit signal before the :DOWN message arrived:
    # once it answers, the new room is running and registered.
    IO.puts(
      "rooms' supervisor: count_children -> #{inspect(DynamicSupervisor.count_children(supervisor))}"
    )

    restarted = GenServer.whereis(Chat.via(1))

    IO.puts(
      "room 1 found again by id: a new server: #{restarted != general}, " <>
        "posts -> #{Chat.Room.posts(restarted)}"
    )

    IO.puts("rooms: count -> #{Registry.count(Chat.Rooms)}")
    # Its members are in Chat.Topics, which the crash did not touch.
    reached = Chat.Room.post(restarted, "alice", "still there?")
    IO.puts("alice posted to room 1, reaching #{reached}")
    show_inbox(alice)
    show_inbox(bob)

    # A member that stops leaves every topic; unregister leaves one.
    IO.puts("bob stops ...")
    :ok = GenServer.stop(bob)
    :ok = Chat.sync(Chat.Topics)
    IO.puts("keys(bob) -> #{inspect(keys_of(Chat.Topics, bob))}")
    show_topics()
    :ok = Chat.Member.leave(alice, 1)
    IO.puts("alice left room 1: keys(alice) -> #{inspect(keys_of(Chat.Topics, alice))}")
    show_topics()
    reached = Chat.Room.post(restarted, "carol", "anyone?")
    IO.puts("carol posted to room 1, reaching #{reached}")
    reached = Chat.Room.post(Chat.via(2), "carol", "anyone?")
    IO.puts("carol posted to room 2, reaching #{reached}")
    show_inbox(carol)

    # Stopping the supervisor stops every room, and empties Chat.Rooms.
    random = GenServer.whereis(Chat.via(2))
    IO.puts("keys(room 2) -> #{inspect(Registry.keys(Chat.Rooms, random))}")
    IO.puts("stop the rooms' supervisor ...")
    :ok = DynamicSupervisor.stop(supervisor)
    :ok = Chat.sync(Chat.Rooms)
    IO.puts("rooms: count -> #{Registry.count(Chat.Rooms)}")

    case post_or_error(2, "carol", "anyone?") do
      {:ok, _} -> IO.puts("room 2 found, unexpectedly")
      {:error, reason} -> IO.puts("room 2 -> error: #{Chat.describe(reason)}")
    end
  end
end

Main.run()
