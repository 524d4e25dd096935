# The Elixir original of examples/chat_lobby.rs: chat rooms started on demand
# under a DynamicSupervisor and monitored by a lobby, which forgets a room
# once it has stopped. Run it with `elixir examples/elixir/chat_lobby.exs`.

defmodule Chat do
  @doc "An exit reason, as the Rust example prints it."
  def describe({exception, _stacktrace}) when is_exception(exception),
    do: "raised: " <> Exception.message(exception)

  def describe(reason) when is_atom(reason), do: Atom.to_string(reason)
  def describe(reason), do: inspect(reason)
end

defmodule Chat.Member do
  @moduledoc "Someone in the chat: keeps every line it receives until it reads them."
  use GenServer

  def start, do: GenServer.start(__MODULE__, [])
  def deliver(member, line), do: GenServer.cast(member, {:deliver, line})
  def read(member), do: GenServer.call(member, :read)

  @impl true
  def init(lines), do: {:ok, lines}

  @impl true
  def handle_cast({:deliver, line}, lines), do: {:noreply, [line | lines]}

  @impl true
  def handle_call(:read, _from, lines), do: {:reply, Enum.reverse(lines), []}
end

defmodule Chat.Room do
  @moduledoc "One chat room: its name and its members."
  use GenServer

  def start_link(name), do: GenServer.start_link(__MODULE__, name)
  def join(room, member), do: GenServer.call(room, {:join, member})
  def post(room, author, text), do: GenServer.call(room, {:post, author, text})

  @impl true
  def init(name) do
    # So that terminate/2 runs when the rooms' supervisor shuts the room down.
    Process.flag(:trap_exit, true)
    {:ok, %{name: name, members: []}}
  end

  @impl true
  def handle_call({:join, member}, _from, state) do
    members = state.members ++ [member]
    {:reply, length(members), %{state | members: members}}
  end

  def handle_call({:post, author, ""}, _from, _state) do
    raise ArgumentError, "#{author} posted an empty message"
  end

  def handle_call({:post, author, text}, _from, state) do
    Enum.each(state.members, &Chat.Member.deliver(&1, "##{state.name} #{author}: #{text}"))
    {:reply, length(state.members), state}
  end

  @impl true
  def terminate(reason, state) do
    line = "##{state.name} closed: #{Chat.describe(reason)}"
    Enum.each(state.members, &Chat.Member.deliver(&1, line))
  end
end

defmodule Chat.Lobby do
  @moduledoc "The lobby: which room has which name, and the monitor on each."
  use GenServer

  def start_link(_arg), do: GenServer.start_link(__MODULE__, :ok, name: Chat.Lobby)
  def join(lobby, name, member), do: GenServer.call(lobby, {:join, name, member})
  def rooms(lobby), do: GenServer.call(lobby, :rooms)

  @impl true
  def init(:ok) do
    # So that terminate/2 runs when the tree shuts the lobby down.
    Process.flag(:trap_exit, true)
    {:ok, %{rooms: %{}, refs: %{}}}
  end

  @impl true
  def handle_call({:join, name, member}, _from, state) do
    {room, state} =
      case Map.fetch(state.rooms, name) do
        {:ok, room} ->
          {room, state}

        :error ->
          # Never restarted: a restart would lose the members, and the lobby
          # would not know the restarted room.
          spec = Supervisor.child_spec({Chat.Room, name}, restart: :temporary)
          {:ok, room} = DynamicSupervisor.start_child(Chat.Rooms, spec)
          ref = Process.monitor(room)
          IO.puts("lobby: started room ##{name}")
          rooms = Map.put(state.rooms, name, room)
          refs = Map.put(state.refs, ref, name)
          {room, %{state | rooms: rooms, refs: refs}}
      end

    Chat.Room.join(room, member)
    {:reply, {:ok, room}, state}
  end

  def handle_call(:rooms, _from, state) do
    {:reply, state.rooms |> Map.keys() |> Enum.sort(), state}
  end

  @impl true
  def handle_info({:DOWN, ref, :process, _pid, reason}, state) do
    {name, refs} = Map.pop(state.refs, ref)
    IO.puts("lobby: ##{name} is down (#{Chat.describe(reason)}), forgetting it")
    {:noreply, %{state | rooms: Map.delete(state.rooms, name), refs: refs}}
  end

  @impl true
  def terminate(reason, state) do
    IO.puts(
      "lobby: terminate (#{Chat.describe(reason)}) with #{map_size(state.rooms)} open rooms"
    )
  end
end

defmodule Main do
  def show_inbox(name, member) do
    IO.puts("#{name}'s inbox: #{inspect(Chat.Member.read(member))}")
  end

  def run do
    # One for all: the lobby and the rooms depend on each other.
    children = [
      {DynamicSupervisor, name: Chat.Rooms, strategy: :one_for_one},
      Chat.Lobby
    ]

    {:ok, tree} = Supervisor.start_link(children, strategy: :one_for_all)
    lobby = Chat.Lobby
    IO.puts("tree started (one_for_all): rooms, lobby")
    IO.puts("tree's count_children -> #{inspect(Supervisor.count_children(tree))}")

    {:ok, alice} = Chat.Member.start()
    {:ok, bob} = Chat.Member.start()
    {:ok, carol} = Chat.Member.start()

    # Joining creates the rooms on demand.
    {:ok, general} = Chat.Lobby.join(lobby, "general", alice)
    IO.puts("alice joined #general")
    {:ok, ^general} = Chat.Lobby.join(lobby, "general", bob)
    IO.puts("bob joined #general")
    {:ok, random} = Chat.Lobby.join(lobby, "random", carol)
    IO.puts("carol joined #random")
    IO.puts("rooms -> #{inspect(Chat.Lobby.rooms(lobby))}")
    IO.puts("rooms' count_children -> #{inspect(DynamicSupervisor.count_children(Chat.Rooms))}")

    reached = Chat.Room.post(general, "alice", "hello")
    IO.puts("alice posted to #general, reaching #{reached}")
    reached = Chat.Room.post(random, "carol", "anyone?")
    IO.puts("carol posted to #random, reaching #{reached}")
    show_inbox("alice", alice)
    show_inbox("bob", bob)
    show_inbox("carol", carol)

    # A bad request: the room raises. The call exits the caller with the
    # reason, caught here; the lobby gets a :DOWN message with it. The crash
    # is also logged.
    IO.puts("bob posts an empty message to #general ...")

    crashed =
      try do
        {:ok, Chat.Room.post(general, "bob", "")}
      catch
        :exit, {reason, {GenServer, :call, _}} -> {:error, reason}
      end

    # The lobby handles the room's :DOWN message before this call.
    open = Chat.Lobby.rooms(lobby)

    case crashed do
      {:ok, reached} -> IO.puts("bob's post unexpectedly reached #{reached}")
      {:error, reason} -> IO.puts("bob's post -> error: #{Chat.describe(reason)}")
    end

    IO.puts("rooms -> #{inspect(open)}")
    # Temporary: not restarted, so the rooms' supervisor has one child left.
    IO.puts("rooms' count_children -> #{inspect(DynamicSupervisor.count_children(Chat.Rooms))}")
    show_inbox("alice", alice)
    show_inbox("bob", bob)

    # The next join under that name starts a new, empty room.
    {:ok, general} = Chat.Lobby.join(lobby, "general", alice)
    IO.puts("alice joined #general again")
    reached = Chat.Room.post(general, "alice", "anyone here?")
    IO.puts("alice posted to #general, reaching #{reached}")
    IO.puts("rooms -> #{inspect(Chat.Lobby.rooms(lobby))}")
    IO.puts("rooms' count_children -> #{inspect(DynamicSupervisor.count_children(Chat.Rooms))}")

    # Stopping the tree: the lobby first, then the rooms' supervisor, which
    # stops every room; each room's terminate/2 tells its members.
    IO.puts("stop the tree ...")
    lobby_pid = Process.whereis(Chat.Lobby)
    rooms_pid = Process.whereis(Chat.Rooms)
    :ok = Supervisor.stop(tree)
    IO.puts("tree stopped")

    IO.puts(
      "lobby alive: #{Process.alive?(lobby_pid)}, rooms' supervisor alive: #{Process.alive?(rooms_pid)}, " <>
        "#general alive: #{Process.alive?(general)}, #random alive: #{Process.alive?(random)}"
    )

    show_inbox("alice", alice)
    show_inbox("bob", bob)
    show_inbox("carol", carol)
  end
end

Main.run()
