using Mesos.HA.Protocol.Security;
using System.Threading.Channels;
using Mesos.HA.SchedulerDriver.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesos.HA.SchedulerDriver;

/// <summary>
/// The classic Mesos scheduler driver over the v1 HTTP API, failover-aware. It subscribes through
/// any of the given masters (following 307s to the leader) and keeps the subscription: when the
/// event stream ends or falls silent for missed heartbeats it calls <see cref="IScheduler.Disconnected"/>
/// and re-subscribes with its FrameworkId (jittered exponential backoff, small first delay, capped,
/// until it gets through or is stopped), then reconciles the tasks it knows, asking again with backoff
/// for those the master leaves unanswered. Calls are sent in order on the current subscription; while
/// there is none they are dropped (offers die with the subscription; updates are resent by agents
/// until acknowledged). Maintenance follows Mesos: offers of a machine scheduled for maintenance carry
/// its <see cref="Offer.Unavailability"/>, and the master's inverse offers reach
/// <see cref="IScheduler.InverseOffers"/>, answered with <see cref="AcceptInverseOffers"/> or <see cref="DeclineInverseOffers"/>.
/// </summary>
/// <remarks>
/// Every decision is <see cref="DriverCore"/>'s; this shell feeds it inputs one at a time (under a
/// lock) with the time now, and carries out its effects in order on the thread that fed the input:
/// the transport's answers, events, stream ends and wake-ups come through one event loop, which is
/// therefore the only thread that calls the scheduler; the scheduler's calls are decided on the
/// caller's thread (inside a callback too) and only queue calls for the send loop. HTTP lives behind
/// <see cref="ISchedulerTransport"/>, time behind <see cref="SchedulerDriverOptions.Time"/>.
/// </remarks>
public sealed partial class MesosSchedulerDriver : ISchedulerDriver
{
    /// <summary>How long <see cref="Stop"/> waits for the TEARDOWN to be answered.</summary>
    private static readonly TimeSpan TeardownBound = TimeSpan.FromSeconds(5);

    private readonly IScheduler scheduler;
    private readonly SchedulerDriverOptions options;
    private readonly ILogger logger;
    private readonly ISchedulerTransport transport;
    private readonly HttpClient? ownedHttp;
    private readonly DriverCore core;
    private readonly Lock gate = new();
    private readonly Channel<DriverInput> inputs = Channel.CreateUnbounded<DriverInput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<(ISchedulerSubscription Subscription, DriverCall Call)> calls =
        Channel.CreateUnbounded<(ISchedulerSubscription, DriverCall)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource<DriverStatus> finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim acknowledgements;
    private readonly ITimer wake;
    private Task? loops;
    private int status = (int)DriverStatus.NotStarted;
    private string? frameworkId;
    private ISchedulerSubscription? current;
    private int subscriptions;
    private int started;

    public MesosSchedulerDriver(IScheduler scheduler, FrameworkInfo framework, IReadOnlyList<string> masters,
        SchedulerDriverOptions? options = null, ILogger? logger = null)
        : this(scheduler, framework, masters, transport: null, options, logger)
    {
    }

    /// <param name="transport">How to reach the masters; null speaks HTTP through <see cref="SchedulerDriverOptions.Http"/> (or a client of its own).</param>
    public MesosSchedulerDriver(IScheduler scheduler, FrameworkInfo framework, IReadOnlyList<string> masters, ISchedulerTransport? transport,
        SchedulerDriverOptions? options = null, ILogger? logger = null)
    {
        if (masters.Count == 0) throw new ArgumentException("at least one master is needed", nameof(masters));
        this.scheduler = scheduler;
        this.options = options ?? new SchedulerDriverOptions();
        this.logger = logger ?? NullLogger.Instance;
        frameworkId = framework.Id;
        if (transport is null)
        {
            var http = this.options.Http;
            if (http is null)
            {
                http = ownedHttp = new HttpClient(Https.Handler(this.options.Tls, new SocketsHttpHandler
                {
                    AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(1), UseProxy = false, MaxConnectionsPerServer = 64,
                })) { Timeout = Timeout.InfiniteTimeSpan };
                if (this.options.Credential is { } credential) http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", credential.BasicHeader());
            }
            transport = new HttpSchedulerTransport(http, this.options.Credential is { } c && framework.Principal is null
                ? framework with { Principal = c.Principal }
                : framework, Https.SchemeOf(this.options.Tls));
        }
        this.transport = transport;
        acknowledgements = new SemaphoreSlim(this.options.ConcurrentAcknowledgements);
        var random = this.options.Random ?? new Random();
        // Drawn only inside the core's decisions, which are made one at a time under the lock.
        core = new DriverCore(masters, framework.Id, DriverCoreOptions.From(this.options), delay => delay * (0.75 + 0.5 * random.NextDouble()));
        wake = this.options.Time.CreateTimer(_ => inputs.Writer.TryWrite(Tick.Instance), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public DriverStatus Status => (DriverStatus)Volatile.Read(ref status);

    /// <summary>The framework's id once subscribed.</summary>
    public string? FrameworkId => Volatile.Read(ref frameworkId);

    /// <summary>The current subscription's Mesos-Stream-Id, if subscribed (for calls made outside the driver).</summary>
    public string? StreamId => Volatile.Read(ref current)?.StreamId;

    /// <summary>The master the driver is subscribed with right now, if any.</summary>
    public string? Master => Volatile.Read(ref current)?.Master;

    public DriverStatus Start()
    {
        if (Interlocked.Exchange(ref started, 1) != 0) return Status;
        loops = Task.WhenAll(Task.Run(EventLoopAsync), Task.Run(SendLoopAsync));
        Decide(new StartDriver());
        return DriverStatus.Running;
    }

    public DriverStatus Stop(bool failover = false)
    {
        if (Status != DriverStatus.Running) return Status;
        Decide(new StopDriver(failover)); // TEARDOWN first (bounded), unless failing over
        return Status;
    }

    public DriverStatus Abort()
    {
        if (Status != DriverStatus.Running) return Status;
        Decide(new AbortDriver());
        return Status;
    }

    public Task<DriverStatus> JoinAsync() => finished.Task;

    public Task<DriverStatus> RunAsync()
    {
        Start();
        return JoinAsync();
    }

    public DriverStatus LaunchTasks(IReadOnlyList<string> offerIds, IReadOnlyList<TaskInfo> tasks, Filters? filters = null) =>
        AcceptOffers(offerIds, tasks, filters);

    public DriverStatus AcceptOffers(IReadOnlyList<string> offerIds, IReadOnlyList<TaskInfo> launches, Filters? filters = null) =>
        Decide(new AcceptOffersCalled(offerIds, launches, filters));

    public DriverStatus DeclineOffer(string offerId, Filters? filters = null) => Decide(new DeclineOffersCalled([offerId], filters));

    public DriverStatus DeclineOffers(IReadOnlyList<string> offerIds, Filters? filters = null) =>
        offerIds.Count == 0 ? Status : Decide(new DeclineOffersCalled(offerIds, filters));

    public DriverStatus AcceptInverseOffers(IReadOnlyList<string> inverseOfferIds, Filters? filters = null) =>
        Decide(new AcceptInverseOffersCalled(inverseOfferIds, filters));

    public DriverStatus DeclineInverseOffers(IReadOnlyList<string> inverseOfferIds, Filters? filters = null) =>
        Decide(new DeclineInverseOffersCalled(inverseOfferIds, filters));

    public DriverStatus ReviveOffers(IReadOnlyList<string>? roles = null) => Decide(new ReviveOffersCalled(roles));

    public DriverStatus SuppressOffers(IReadOnlyList<string>? roles = null) => Decide(new SuppressOffersCalled(roles));

    public DriverStatus KillTask(string taskId) => Decide(new KillTaskCalled(taskId));

    public DriverStatus AcknowledgeStatusUpdate(TaskUpdate status) =>
        status.Uuid is null || status.AgentId is null ? Status : Decide(new AcknowledgeCalled(status));

    public DriverStatus ReconcileTasks(IReadOnlyList<string> taskIds) =>
        Decide(new ReconcileCalled([.. taskIds.Select(t => (t, (string?)null))], Track: false));

    public DriverStatus ReconcileTasks(IReadOnlyList<(string TaskId, string? AgentId)> tasks) => Decide(new ReconcileCalled(tasks, Track: true));

    public DriverStatus SendFrameworkMessage(string executorId, string agentId, byte[] data) =>
        Decide(new FrameworkMessageCalled(executorId, agentId, data));

    /// <summary>The transport's answers, events and stream ends, and the wake-ups, one at a time: the only thread that calls the scheduler.</summary>
    private async Task EventLoopAsync()
    {
        try
        {
            await foreach (var input in inputs.Reader.ReadAllAsync(stopping.Token).ConfigureAwait(false)) Decide(input);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A decision or a callback threw: the driver cannot go on (JoinAsync ends rather than hangs).
            LogError(logger, $"the driver failed unexpectedly: {e.Message}");
            if (Status == DriverStatus.Running) End(DriverStatus.Aborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Status == DriverStatus.Running) Abort();
        if (loops is not null) await loops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Attempt[] left;
        lock (gate) left = [.. attempts.Values];
        foreach (var attempt in left) Close(attempt.Id);
        await Task.WhenAll(left.Select(a => a.Run).Concat(closing)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await wake.DisposeAsync().ConfigureAwait(false);
        ownedHttp?.Dispose();
        finished.TrySetResult(Status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed as framework {Framework} with master {Master} (re-subscriptions before: {Count})")]
    private static partial void LogSubscribed(ILogger logger, string framework, string master, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the subscription with master {Master}; re-subscribing")]
    private static partial void LogDisconnected(ILogger logger, string master);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Master {Master} sent nothing for {Seconds:F0} s (missed heartbeats); re-subscribing")]
    private static partial void LogSilent(ILogger logger, string master, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscription attempt {Attempt} to {Master} failed, next in {DelayMs:F0} ms: {Error}")]
    private static partial void LogRetry(ILogger logger, int attempt, string master, double delayMs, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a {Call} call: not subscribed")]
    private static partial void LogDropped(ILogger logger, string call);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Call} failed: {Error}")]
    private static partial void LogCallFailed(ILogger logger, string call, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Framework error, the driver aborts: {Message}")]
    private static partial void LogError(ILogger logger, string message);
}
