using System.Collections.Concurrent;
using Mesos.HA.SchedulerDriver;
using V1 = Mesos.HA.Protocol.Http.V1;

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
    private readonly ConcurrentDictionary<string, V1.Offer> offers = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> states = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<V1.TaskStatus>> statuses = new();
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

    /// <summary>The framework's user (FrameworkInfo.user), whom a root agent runs its tasks as; the user running the tests by default.</summary>
    public string User { get; init; } = Environment.UserName;

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
            var info = new V1.FrameworkInfo { User = User, Name = name, FailoverTimeout = 60, Id = FrameworkId is { } id ? V1.Id.Of(id) : null };
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
                    await subscribed.CallAsync(new V1.Call { Type = V1.Call.ReconcileType, Reconcile = new() { Tasks = [] } }, stop.Token);
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

    private readonly ConcurrentDictionary<string, byte> uuids = new(StringComparer.Ordinal);

    private async Task HandleAsync(SchedulerConnection current, V1.Event e)
    {
        received.AddOrUpdate(e.Type ?? "?", 1, (_, n) => n + 1);
        switch (e.Type)
        {
            case V1.Event.OffersType:
                foreach (var offer in (e.Offers?.Offers ?? []).OfType<V1.Offer>())
                    offers[offer.Id!.Value!] = offer;
                break;
            case V1.Event.RescindType:
                offers.TryRemove(e.Rescind!.OfferId!.Value!, out _);
                break;
            case V1.Event.UpdateType:
                var status = e.Update!.Status!;
                // Delivery is at least once: an update resent before its acknowledgement came back (a slow round trip,
                // a failover) arrives again with the same uuid. It is acknowledged again but recorded once.
                if (status.Uuid is null || uuids.TryAdd(status.TaskId!.Value! + "/" + status.Uuid, 0))
                {
                    statuses.GetOrAdd(status.TaskId!.Value!, _ => new ConcurrentQueue<V1.TaskStatus>()).Enqueue(status);
                    states.GetOrAdd(status.TaskId!.Value!, _ => new ConcurrentQueue<string>()).Enqueue(status.State!);
                }
                if (status.Uuid is { } uuid)
                {
                    try
                    {
                        await current.CallAsync(new V1.Call
                        {
                            Type = V1.Call.AcknowledgeType,
                            Acknowledge = new() { AgentId = status.AgentId, TaskId = status.TaskId, Uuid = uuid },
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

    /// <summary>The offers held now (received and since neither used, rescinded nor dropped by a re-subscription), by id.</summary>
    public IReadOnlyList<V1.Offer> Offers() => [.. offers.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => o.Value)];

    /// <summary>
    /// Launches a task on the first held offer with room for it (waiting for one until the deadline),
    /// with <paramref name="healthCheck"/> when given. Without <paramref name="executor"/> it is a command task
    /// running <paramref name="command"/>; with one, the task goes to that custom executor (the command is then
    /// unused) and the offer must also hold the executor's cpus and mem.
    /// </summary>
    public async Task LaunchAsync(string taskId, string command, TimeSpan timeout, double cpus = 0.1, double mem = 16, int ports = 0,
        V1.HealthCheck? healthCheck = null, V1.ExecutorInfo? executor = null)
    {
        var executorCpus = Scalar(executor?.Resources, "cpus");
        var executorMem = Scalar(executor?.Resources, "mem");
        var deadline = DateTime.UtcNow + timeout;
        string? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            var current = Volatile.Read(ref connection);
            var offer = offers.Values.FirstOrDefault(o => Fits(o, cpus + executorCpus, mem + executorMem, ports));
            if (current is not null && offer is not null && offers.TryRemove(offer.Id!.Value!, out _))
            {
                var resources = new List<V1.Resource>
                {
                    new() { Name = "cpus", Type = "SCALAR", Scalar = new() { Value = cpus } },
                    new() { Name = "mem", Type = "SCALAR", Scalar = new() { Value = mem } },
                };
                if (ports > 0)
                {
                    var begin = offer.Resources!.First(r => r!.Name == "ports")!.Ranges!.Range![0]!.Begin!.Value;
                    resources.Add(new() { Name = "ports", Type = "RANGES", Ranges = new() { Range = [new() { Begin = begin, End = begin + ports - 1 }] } });
                }
                try
                {
                    await current.CallAsync(new V1.Call
                    {
                        Type = V1.Call.AcceptType,
                        Accept = new()
                        {
                            OfferIds = [offer.Id],
                            Operations =
                            [
                                new()
                                {
                                    Type = "LAUNCH",
                                    Launch = new()
                                    {
                                        TaskInfos =
                                        [
                                            new()
                                            {
                                                Name = taskId, TaskId = V1.Id.Of(taskId), AgentId = offer.AgentId, Resources = resources,
                                                Command = executor is null ? new() { Value = command, Shell = true } : null,
                                                Executor = executor,
                                                HealthCheck = healthCheck,
                                            },
                                        ],
                                    },
                                },
                            ],
                            Filters = new() { RefuseSeconds = 0 },
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

    private static bool Fits(V1.Offer offer, double cpus, double mem, int ports)
    {
        var hasPorts = ports == 0 || (offer.Resources ?? []).Any(r => r?.Name == "ports");
        return Scalar(offer.Resources, "cpus") >= cpus && Scalar(offer.Resources, "mem") >= mem && hasPorts;
    }

    /// <summary>The sum of the scalar resource <paramref name="name"/> in <paramref name="resources"/> (0 when none).</summary>
    public static double Scalar(IEnumerable<V1.Resource?>? resources, string name) =>
        (resources ?? []).OfType<V1.Resource>().Where(r => r.Name == name).Sum(r => r.Scalar?.Value ?? 0);

    public async Task KillAsync(string taskId)
    {
        var current = Volatile.Read(ref connection) ?? throw new InvalidOperationException("not subscribed");
        await current.CallAsync(new V1.Call { Type = V1.Call.KillType, Kill = new() { TaskId = V1.Id.Of(taskId) } }, stop.Token);
    }

    /// <summary>The states the task went through, in the order they arrived.</summary>
    public IReadOnlyList<string> States(string taskId) => states.TryGetValue(taskId, out var q) ? [.. q] : [];

    /// <summary>The task's updates as they arrived (state, source, reason, message, healthy).</summary>
    public IReadOnlyList<V1.TaskStatus> Statuses(string taskId) => statuses.TryGetValue(taskId, out var q) ? [.. q] : [];

    /// <summary>Waits until the task reported an update that matches <paramref name="wanted"/> (<paramref name="what"/> says which); on timeout says what it saw.</summary>
    public async Task<V1.TaskStatus> WaitForStatusAsync(string taskId, Func<V1.TaskStatus, bool> wanted, string what, TimeSpan timeout, string phase)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Statuses(taskId).FirstOrDefault(wanted) is { } found) return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{phase}: task {taskId} sent no update with {what} within {timeout}; saw [{string.Join(", ", Statuses(taskId).Select(Describe))}]");
            await changed.WaitAsync(TimeSpan.FromMilliseconds(50));
        }
    }

    public static string Describe(V1.TaskStatus s) =>
        $"{s.State}{(s.Healthy is { } h ? $" healthy={h}" : "")}{(s.Reason is { } r ? $" {r}" : "")}{(s.Message is { } m ? $" '{m}'" : "")}";

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
