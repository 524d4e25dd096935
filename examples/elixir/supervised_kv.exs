# The Elixir original of examples/supervised_kv.rs: a key-value store
# registered as :kv and run under a one-for-one Supervisor. Run it with
# `elixir examples/elixir/supervised_kv.exs`.

defmodule KV.Store do
  use GenServer

  def start_link(_arg), do: GenServer.start_link(__MODULE__, :ok, name: :kv)

  def get(store, key), do: GenServer.call(store, {:get, key})
  def put(store, key, value), do: GenServer.cast(store, {:put, key, value})
  def incr(store, key), do: GenServer.call(store, {:incr, key})

  @impl true
  def init(:ok) do
    # Without this, the supervisor's :shutdown exit signal would stop the
    # store at once, without terminate/2.
    Process.flag(:trap_exit, true)
    IO.puts("store: init, empty")
    {:ok, %{}}
  end

  @impl true
  def handle_call({:get, key}, _from, map), do: {:reply, Map.get(map, key), map}

  def handle_call({:incr, key}, _from, map) do
    value = Map.get(map, key, "0")

    case Integer.parse(value) do
      {number, ""} ->
        {:reply, number + 1, Map.put(map, key, Integer.to_string(number + 1))}

      _ ->
        raise ArgumentError, "the value of #{inspect(key)} is not a number: #{inspect(value)}"
    end
  end

  @impl true
  def handle_cast({:put, key, value}, map), do: {:noreply, Map.put(map, key, value)}

  @impl true
  def terminate(reason, map) do
    IO.puts("store: terminate (#{describe(reason)}) with #{map_size(map)} keys")
  end

  @doc false
  def describe({exception, _stacktrace}) when is_exception(exception),
    do: "raised: " <> Exception.message(exception)

  def describe(reason) when is_atom(reason), do: Atom.to_string(reason)
  def describe(reason), do: inspect(reason)
end

defmodule Main do
  def describe(children, store) do
    Enum.map_join(children, "; ", fn {id, child, type, _modules} ->
      state =
        cond do
          child == store -> "running, the store the client holds"
          is_pid(child) -> "running, not the store the client holds"
          child == :restarting -> "restarting"
          true -> "not running"
        end

      "#{inspect(id)} (#{type}): #{state}"
    end)
  end

  def run do
    {:ok, supervisor} = Supervisor.start_link([KV.Store], strategy: :one_for_one)
    IO.puts("supervisor: started (one_for_one) with the child KV.Store")

    # A client: it knows the name, not the pid.
    store = GenServer.whereis(:kv)
    IO.puts("client: whereis(:kv) -> found the store")
    KV.Store.put(:kv, "greeting", "hello")
    IO.puts(~s[put greeting => "hello" (cast)])
    KV.Store.put(:kv, "visits", "41")
    IO.puts(~s[put visits => "41" (cast)])
    IO.puts("incr visits -> #{KV.Store.incr(:kv, "visits")}")
    IO.puts("get greeting -> #{inspect(KV.Store.get(:kv, "greeting"))}")
    IO.puts("which_children -> #{describe(Supervisor.which_children(supervisor), store)}")
    IO.puts("count_children -> #{inspect(Supervisor.count_children(supervisor))}")

    # A bad request: the handler raises, the store stops, and the call exits
    # the caller with the reason, which it catches here. The crash is also
    # logged.
    IO.puts("incr greeting (not a number) ...")
    ref = Process.monitor(store)

    crashed =
      try do
        {:ok, KV.Store.incr(store, "greeting")}
      catch
        :exit, {reason, {GenServer, :call, _}} -> {:error, reason}
      end

    # The supervisor handles the store's exit, restarting it, before this call.
    children = Supervisor.which_children(supervisor)

    case crashed do
      {:ok, number} -> IO.puts("incr greeting -> unexpectedly #{number}")
      {:error, reason} -> IO.puts("incr greeting -> error: #{KV.Store.describe(reason)}")
    end

    receive do
      {:DOWN, ^ref, :process, ^store, reason} ->
        IO.puts("old store exited: #{KV.Store.describe(reason)}")
    end

    IO.puts("which_children -> #{describe(children, store)}")

    try do
      KV.Store.get(store, "greeting")
    catch
      :exit, {reason, _} ->
        IO.puts("old pid: get greeting -> error: #{inspect(reason)}")
    end

    # Looking the name up again finds the new store, with a fresh state.
    store = GenServer.whereis(:kv)
    IO.puts("client: whereis(:kv) -> found the restarted store")
    IO.puts("get greeting -> #{inspect(KV.Store.get(:kv, "greeting"))} (fresh state)")
    IO.puts("incr visits -> #{KV.Store.incr(:kv, "visits")}")
    IO.puts("which_children -> #{describe(Supervisor.which_children(supervisor), store)}")
    IO.puts("count_children -> #{inspect(Supervisor.count_children(supervisor))}")

    # Stopping the supervisor stops its children first, running terminate/2.
    IO.puts("stop the supervisor ...")
    :ok = Supervisor.stop(supervisor)
    IO.puts("supervisor stopped")
    IO.puts("store alive: #{Process.alive?(store)}")
    IO.puts(":kv registered: #{GenServer.whereis(:kv) != nil}")
  end
end

Main.run()
