using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Tests.Support;

/// <summary>
/// A small framework for tests over the real scheduler API: it keeps the offers it gets, launches
/// command tasks on them when asked, acknowledges every update explicitly and records the states
/// each task went through. When its stream ends it re-subscribes with its framework id through
/// any master (following redirects), retrying until it is disposed, then reconciles.
/// </summary>
public sealed class TestFramework : IAsyncDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly IReadOnlyList<string> masters;
    private readonly string name;
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, JsonObject> offers = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> states = new();
    private readonly SemaphoreSlim changed = new(0, int.MaxValue);
    private SchedulerConnection? connection;
    private Task? loop;
    private int subscriptions;

    public TestFramework(IReadOnlyList<string> masters, string name = "test-framework")
    {
        this.masters = masters;
        this.name = name;
    }

    public string? FrameworkId { get; private set; }

    /// <summary>How many times the framework subscribed (1 + re-subscriptions).</summary>
    public int Subscriptions => Volatile.Read(ref subscriptions);

    public string? Master => Volatile.Read(ref connection)?.Master;

    public async Task StartAsync(TimeSpan timeout)
    {
        await SubscribeAsync(timeout);
        loop = Task.Run(RunAsync);
    }

    private async Task SubscribeAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var attempt = 0;
        Exception? last = null;
        while (DateTime.UtcNow < deadline && !stop.IsCancellationRequested)
        {
            var info = new JsonObject { ["user"] = "test", ["name"] = name, ["failover_timeout"] = 60 };
            if (FrameworkId is { } id) info["id"] = new JsonObject { ["value"] = id };
            try
            {
                using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                attemptTimeout.CancelAfter(TimeSpan.FromSeconds(5));
                var subscribed = await SchedulerConnection.SubscribeAsync(Http, masters[attempt++ % masters.Count], info, attemptTimeout.Token);
                FrameworkId = subscribed.FrameworkId;
                offers.Clear();
                Volatile.Write(ref connection, subscribed);
                Interlocked.Increment(ref subscriptions);
                if (attempt > 1 || Subscriptions > 1)
                    await subscribed.CallAsync(new JsonObject { ["type"] = "RECONCILE", ["reconcile"] = new JsonObject { ["tasks"] = new JsonArray() } }, stop.Token);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or SchedulerCallException or OperationCanceledException or IOException)
            {
                last = e;
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"could not subscribe within {timeout}: {last?.Message}");
    }

    private async Task RunAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var current = Volatile.Read(ref connection)!;
            try
            {
                await foreach (var e in current.Events.ReadAllAsync(stop.Token))
                    await HandleAsync(current, e);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            await current.DisposeAsync();
            if (stop.IsCancellationRequested) return;
            try
            {
                await SubscribeAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                return;
            }
        }
    }

    private readonly ConcurrentDictionary<string, int> received = new();

    /// <summary>Events received so far by type, for failure messages.</summary>
    public string Received => string.Join(", ", received.OrderBy(r => r.Key).Select(r => $"{r.Key}={r.Value}"));

    private async Task HandleAsync(SchedulerConnection current, JsonObject e)
    {
        received.AddOrUpdate(e["type"]?.GetValue<string>() ?? "?", 1, (_, n) => n + 1);
        switch (e["type"]?.GetValue<string>())
        {
            case "OFFERS":
                foreach (var offer in e["offers"]?["offers"] as JsonArray ?? [])
                    offers[offer!["id"]!["value"]!.GetValue<string>()] = offer.AsObject();
                break;
            case "RESCIND":
                offers.TryRemove(e["rescind"]!["offer_id"]!["value"]!.GetValue<string>(), out _);
                break;
            case "UPDATE":
                var status = e["update"]!["status"]!;
                var task = status["task_id"]!["value"]!.GetValue<string>();
                states.GetOrAdd(task, _ => new ConcurrentQueue<string>()).Enqueue(status["state"]!.GetValue<string>());
                if (status["uuid"] is { } uuid)
                {
                    try
                    {
                        await current.CallAsync(new JsonObject
                        {
                            ["type"] = "ACKNOWLEDGE",
                            ["acknowledge"] = new JsonObject
                            {
                                ["agent_id"] = status["agent_id"]!.DeepClone(), ["task_id"] = status["task_id"]!.DeepClone(), ["uuid"] = uuid.GetValue<string>(),
                            },
                        }, stop.Token);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or SchedulerCallException or IOException)
                    {
                        // The master went away; the agent resends the update to the next leader.
                    }
                }
                break;
        }
        changed.Release();
    }

    /// <summary>Launches a command task on the first held offer with room for it (waiting for one until the deadline).</summary>
    public async Task LaunchAsync(string taskId, string command, TimeSpan timeout, double cpus = 0.1, double mem = 16, int ports = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            var current = Volatile.Read(ref connection);
            var offer = offers.Values.FirstOrDefault(o => Fits(o, cpus, mem, ports));
            if (current is not null && offer is not null && offers.TryRemove(offer["id"]!["value"]!.GetValue<string>(), out _))
            {
                var resources = new JsonArray
                {
                    new JsonObject { ["name"] = "cpus", ["type"] = "SCALAR", ["scalar"] = new JsonObject { ["value"] = cpus } },
                    new JsonObject { ["name"] = "mem", ["type"] = "SCALAR", ["scalar"] = new JsonObject { ["value"] = mem } },
                };
                if (ports > 0)
                {
                    var begin = offer["resources"]!.AsArray().First(r => r!["name"]!.GetValue<string>() == "ports")!["ranges"]!["range"]![0]!["begin"]!.GetValue<long>();
                    resources.Add(new JsonObject
                    {
                        ["name"] = "ports", ["type"] = "RANGES",
                        ["ranges"] = new JsonObject { ["range"] = new JsonArray { new JsonObject { ["begin"] = begin, ["end"] = begin + ports - 1 } } },
                    });
                }
                try
                {
                    await current.CallAsync(new JsonObject
                    {
                        ["type"] = "ACCEPT",
                        ["accept"] = new JsonObject
                        {
                            ["offer_ids"] = new JsonArray { offer["id"]!.DeepClone() },
                            ["operations"] = new JsonArray
                            {
                                new JsonObject
                                {
                                    ["type"] = "LAUNCH",
                                    ["launch"] = new JsonObject
                                    {
                                        ["task_infos"] = new JsonArray
                                        {
                                            new JsonObject
                                            {
                                                ["name"] = taskId, ["task_id"] = new JsonObject { ["value"] = taskId },
                                                ["agent_id"] = offer["agent_id"]!.DeepClone(), ["resources"] = resources,
                                                ["command"] = new JsonObject { ["value"] = command, ["shell"] = true },
                                            },
                                        },
                                    },
                                },
                            },
                            ["filters"] = new JsonObject { ["refuse_seconds"] = 0 },
                        },
                    }, stop.Token);
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or SchedulerCallException or IOException)
                {
                    lastError = e.Message;
                }
            }
            await changed.WaitAsync(TimeSpan.FromMilliseconds(50));
        }
        throw new TimeoutException($"no offer fit task {taskId} within {timeout} (offers held: {offers.Count}; events: {Received}; subscriptions {Subscriptions} on {Master}; last error: {lastError ?? "none"})");
    }

    private static bool Fits(JsonObject offer, double cpus, double mem, int ports)
    {
        double Scalar(string n) => offer["resources"]!.AsArray().Where(r => r!["name"]!.GetValue<string>() == n)
            .Sum(r => r!["scalar"]!["value"]!.GetValue<double>());
        var hasPorts = ports == 0 || offer["resources"]!.AsArray().Any(r => r!["name"]!.GetValue<string>() == "ports");
        return Scalar("cpus") >= cpus && Scalar("mem") >= mem && hasPorts;
    }

    public async Task KillAsync(string taskId)
    {
        var current = Volatile.Read(ref connection) ?? throw new InvalidOperationException("not subscribed");
        await current.CallAsync(new JsonObject { ["type"] = "KILL", ["kill"] = new JsonObject { ["task_id"] = new JsonObject { ["value"] = taskId } } }, stop.Token);
    }

    /// <summary>The states the task went through, in the order they arrived.</summary>
    public IReadOnlyList<string> States(string taskId) => states.TryGetValue(taskId, out var q) ? [.. q] : [];

    /// <summary>Waits until the task reported <paramref name="state"/>; on timeout says what it saw.</summary>
    public async Task WaitForStateAsync(string taskId, string state, TimeSpan timeout, string phase)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!States(taskId).Contains(state))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{phase}: task {taskId} did not reach {state} within {timeout}; saw [{string.Join(", ", States(taskId))}], subscriptions {Subscriptions}, master {Master ?? "none"}");
            await changed.WaitAsync(TimeSpan.FromMilliseconds(50));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (loop is not null) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Volatile.Read(ref connection) is { } c) await c.DisposeAsync();
    }
}
