# The workloads of benches/baseline.rs on the BEAM: the same key-value
# server as an Elixir GenServer (`get` a call, `put` a cast), measured the
# same way: each workload is run SAMPLES times and its median time printed.
# Run by benches/beam.sh, which also runs genserver's side and prints the
# ratios; run it alone with
#
#   elixir --erl "+S 2:2" genserver/benches/beam.exs [WORKLOAD...]
#
# (`+S 2:2`: two schedulers, as genserver's multi-thread workloads have two
# tokio workers; `+S 1:1` for the workloads that run on one thread there).
# Prints one line per workload: its name and median time in nanoseconds.
# Every reply is checked, as on the Rust side.

defmodule Kv do
  use GenServer

  def init(map), do: {:ok, map}
  def handle_call({:get, key}, _from, map), do: {:reply, Map.get(map, key), map}
  def handle_cast({:put, key, value}, map), do: {:noreply, Map.put(map, key, value)}
end

defmodule Bench do
  # The median of `samples` runs of `fun` (after one untimed run), in
  # nanoseconds.
  def median(samples, fun) do
    fun.()

    times =
      for _ <- 1..samples do
        {micros, _} = :timer.tc(fun)
        micros * 1000
      end

    Enum.at(Enum.sort(times), div(samples, 2))
  end

  def report(name, samples, fun) do
    IO.puts("#{name} #{median(samples, fun)}")
  end

  def start, do: elem(GenServer.start(Kv, %{}), 1)

  # One client, 1,000 sequential gets.
  def call_latency do
    server = start()
    GenServer.cast(server, {:put, 1, 2})

    report("call_latency", 100, fn ->
      for _ <- 1..1_000, do: 2 = GenServer.call(server, {:get, 1})
    end)

    GenServer.stop(server)
  end

  # 1,000,000 puts, then one get that must see the last one.
  def cast_throughput do
    server = start()

    report("cast_throughput", 10, fn ->
      for i <- 0..999_999, do: GenServer.cast(server, {:put, rem(i, 1024), i})
      999_999 = GenServer.call(server, {:get, rem(999_999, 1024)}, :infinity)
    end)

    GenServer.stop(server)
  end

  # 100 client processes × 100 gets against one server.
  def concurrent_calls do
    server = start()
    GenServer.cast(server, {:put, 1, 2})

    report("concurrent_calls", 30, fn ->
      1..100
      |> Enum.map(fn _ ->
        Task.async(fn -> for _ <- 1..100, do: 2 = GenServer.call(server, {:get, 1}) end)
      end)
      |> Task.await_many(:infinity)
    end)

    GenServer.stop(server)
  end

  # Start 100,000 servers (each start returns after init); then stop them
  # one after the other (each stop returns after terminate).
  def idle_servers do
    report("spawn", 5, fn ->
      servers = for _ <- 1..100_000, do: start()
      Enum.each(servers, &Process.exit(&1, :kill))
    end)

    servers = for _ <- 1..100_000, do: start()

    {micros, _} = :timer.tc(fn -> Enum.each(servers, &GenServer.stop/1) end)
    IO.puts("stop_all #{micros * 1000}")
  end

  # 10,000 servers, one cast and one call each, all in flight at once: a
  # process per call (as a task per call), and from one process with
  # send_request / receive_response (as join_all from one task).
  def fan_out do
    servers = for _ <- 1..10_000, do: start()
    indexed = Enum.with_index(servers)

    report("fan_out", 20, fn ->
      indexed
      |> Enum.map(fn {server, i} ->
        Task.async(fn ->
          GenServer.cast(server, {:put, i, i + 1})
          ^i = GenServer.call(server, {:get, i}) - 1
        end)
      end)
      |> Task.await_many(:infinity)
    end)

    report("fan_out_one_task", 20, fn ->
      requests =
        for {server, i} <- indexed do
          GenServer.cast(server, {:put, i, i + 1})
          {:gen_server.send_request(server, {:get, i}), i}
        end

      for {request, i} <- requests do
        {:reply, reply} = :gen_server.receive_response(request, :infinity)
        ^i = reply - 1
      end
    end)

    Enum.each(servers, &GenServer.stop/1)
  end
end

# The workloads named on the command line, in order (all by default):
# benches/beam.sh runs the single-threaded ones on one scheduler and the
# others on two, as their Rust counterparts run on tokio.
workloads =
  case System.argv() do
    [] -> ~w(call_latency cast_throughput concurrent_calls idle_servers fan_out)
    names -> names
  end

for name <- workloads, do: apply(Bench, String.to_atom(name), [])
