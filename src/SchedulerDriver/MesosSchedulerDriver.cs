using System.Net;
using System.Threading.Channels;
using Mesos.HA.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.SchedulerDriver;

/// <summary>
/// The classic Mesos scheduler driver over the v1 HTTP API, failover-aware. It subscribes through
/// any of the given masters (following 307s to the leader) and keeps the subscription: when the
/// event stream ends or falls silent for missed heartbeats it calls <see cref="IScheduler.Disconnected"/>
/// and re-subscribes with its FrameworkId through a Polly pipeline (jittered exponential backoff,
/// small first delay, capped, until it gets through or is stopped), then reconciles the tasks it
/// knows, asking again with backoff for those the master leaves unanswered. Calls are queued and sent in order on the current subscription; while there is none they
/// are dropped (offers die with the subscription; updates are resent by agents until acknowledged).
/// </summary>
public sealed partial class MesosSchedulerDriver : ISchedulerDriver
{
    private readonly IScheduler scheduler;
    private readonly FrameworkInfo framework;
    private readonly IReadOnlyList<string> masters;
    private readonly SchedulerDriverOptions options;
    private readonly ILogger logger;
    private readonly HttpClient http;
    private readonly bool ownsHttp;
    private readonly ResiliencePipeline resubscribe;
    private readonly ResiliencePipeline<(string TaskId, string? AgentId)[]> reconcileRetry;
    private readonly Channel<V1.Call> calls = Channel.CreateUnbounded<V1.Call>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource<DriverStatus> finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim acknowledgements;
    // Tasks not known to be terminal, with their agent: reconciled after every re-subscription.
    private readonly Dictionary<string, string?> liveTasks = new(StringComparer.Ordinal);
    private SchedulerConnection? connection;
    private Task? loops;
    private int status = (int)DriverStatus.NotStarted;
    private string? frameworkId;
    private int nextMaster;

    public MesosSchedulerDriver(IScheduler scheduler, FrameworkInfo framework, IReadOnlyList<string> masters,
        SchedulerDriverOptions? options = null, ILogger? logger = null)
    {
        if (masters.Count == 0) throw new ArgumentException("at least one master is needed", nameof(masters));
        this.scheduler = scheduler;
        this.framework = framework;
        this.masters = masters;
        this.options = options ?? new SchedulerDriverOptions();
        this.logger = logger ?? NullLogger.Instance;
        frameworkId = framework.Id;
        ownsHttp = this.options.Http is null;
        http = this.options.Http ?? new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(1), UseProxy = false, MaxConnectionsPerServer = 64,
        }) { Timeout = Timeout.InfiniteTimeSpan };
        acknowledgements = new SemaphoreSlim(this.options.ConcurrentAcknowledgements);
        resubscribe = new ResiliencePipelineBuilder { TimeProvider = this.options.Time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is HttpRequestException or IOException or InvalidDataException
                    or TimeoutException or System.Text.Json.JsonException or SchedulerCallException { Status: not HttpStatusCode.Forbidden }),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = this.options.ResubscribeFirstDelay,
                MaxDelay = this.options.ResubscribeMaxDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    LogRetry(this.logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .Build();
        reconcileRetry = BuildReconcileRetry();
    }

    public DriverStatus Status => (DriverStatus)Volatile.Read(ref status);

    /// <summary>The framework's id once subscribed.</summary>
    public string? FrameworkId => Volatile.Read(ref frameworkId);

    /// <summary>The current subscription's Mesos-Stream-Id, if subscribed (for calls made outside the driver).</summary>
    public string? StreamId => Volatile.Read(ref connection)?.StreamId;

    /// <summary>The master the driver is subscribed with right now, if any.</summary>
    public string? Master => Volatile.Read(ref connection)?.Master;

    public DriverStatus Start()
    {
        if (Interlocked.CompareExchange(ref status, (int)DriverStatus.Running, (int)DriverStatus.NotStarted) != (int)DriverStatus.NotStarted) return Status;
        loops = Task.WhenAll(Task.Run(SubscriptionLoopAsync), Task.Run(SendLoopAsync));
        return DriverStatus.Running;
    }

    public DriverStatus Stop(bool failover = false)
    {
        // Stopped before the TEARDOWN goes out: the ERROR that closes the torn-down stream is not for the scheduler.
        if (Interlocked.CompareExchange(ref status, (int)DriverStatus.Stopped, (int)DriverStatus.Running) != (int)DriverStatus.Running) return Status;
        if (!failover && Volatile.Read(ref connection) is { } current)
        {
            // TEARDOWN goes out before the stream closes; bounded, so Stop never hangs on a dead master.
            try { current.CallAsync(SchedulerJson.Teardown(), CancellationToken.None).WaitAsync(TeardownBound, options.Time).Wait(); }
            catch (AggregateException e) { LogCallFailed(logger, "TEARDOWN", e.InnerException?.Message ?? e.Message); }
        }
        return End(DriverStatus.Stopped);
    }

    /// <summary>How long <see cref="Stop"/> waits for the TEARDOWN to be answered.</summary>
    private static readonly TimeSpan TeardownBound = TimeSpan.FromSeconds(5);

    public DriverStatus Abort() => Status == DriverStatus.Running ? End(DriverStatus.Aborted) : Status;

    private DriverStatus End(DriverStatus final)
    {
        Volatile.Write(ref status, (int)final);
        calls.Writer.TryComplete();
        try { stopping.Cancel(); } catch (ObjectDisposedException) { }
        finished.TrySetResult(final);
        return final;
    }

    public Task<DriverStatus> JoinAsync() => finished.Task;

    public Task<DriverStatus> RunAsync()
    {
        Start();
        return JoinAsync();
    }

    private async Task SubscriptionLoopAsync()
    {
        var token = stopping.Token;
        var subscriptions = 0;
        while (!token.IsCancellationRequested)
        {
            SchedulerConnection subscribed;
            try
            {
                subscribed = await resubscribe.ExecuteAsync(SubscribeOnceAsync, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is SchedulerCallException or SubscriptionRefusedException)
            {
                Fail($"the master refused the subscription: {e.Message}");
                return;
            }
            catch (Exception e)
            {
                Fail($"the driver failed unexpectedly: {e.Message}");
                return;
            }
            Volatile.Write(ref frameworkId, subscribed.FrameworkId);
            Volatile.Write(ref connection, subscribed);
            var scope = BeginSubscriptionScope(token);
            var master = new MasterInfo(subscribed.Master);
            LogSubscribed(logger, subscribed.FrameworkId, subscribed.Master, subscriptions);
            if (subscriptions++ == 0) scheduler.Registered(this, subscribed.FrameworkId, master);
            else scheduler.Reregistered(this, master);
            ReconcileKnownTasks();
            var ended = await ServeAsync(subscribed, token).ConfigureAwait(false);
            EndSubscriptionScope(scope);
            Interlocked.CompareExchange(ref connection, null, subscribed);
            await subscribed.DisposeAsync().ConfigureAwait(false);
            if (ended || token.IsCancellationRequested) return;
            // Start over with the master after the one that was lost (it is likely dead; any other names the new leader).
            var lost = masters.ToList().IndexOf(subscribed.Master);
            if (lost >= 0) nextMaster = lost + 1;
            LogDisconnected(logger, subscribed.Master);
            scheduler.Disconnected(this);
        }
    }

    private async ValueTask<SchedulerConnection> SubscribeOnceAsync(CancellationToken token)
    {
        var master = masters[nextMaster++ % masters.Count];
        using var due = new CancellationTokenSource(options.SubscribeTimeout, options.Time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token, due.Token);
        try
        {
            return await SchedulerConnection.SubscribeAsync(http, master, SchedulerJson.Info(framework, Volatile.Read(ref frameworkId)), attempt.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            // A master that accepts the connection but does not answer (paused): one failed attempt, retried elsewhere.
            throw new TimeoutException($"{master} did not answer the subscription within {options.SubscribeTimeout.TotalSeconds:F0} s");
        }
    }

    /// <summary>Delivers the stream's events to the scheduler; true when the driver must end (an ERROR event).</summary>
    private async Task<bool> ServeAsync(SchedulerConnection subscribed, CancellationToken token)
    {
        var silence = subscribed.HeartbeatInterval * options.MissedHeartbeats + TimeSpan.FromSeconds(1);
        while (!token.IsCancellationRequested)
        {
            using var silent = new CancellationTokenSource(silence, options.Time);
            using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(token, silent.Token);
            try
            {
                if (!await subscribed.Events.WaitToReadAsync(watchdog.Token).ConfigureAwait(false)) return false;
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                LogSilent(logger, subscribed.Master, silence.TotalSeconds);
                return false;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            while (subscribed.Events.TryRead(out var e))
            {
                if (Status != DriverStatus.Running) return true; // stopped from a callback: nothing more is delivered
                if (Dispatch(e)) return true;
            }
        }
        return false;
    }

    private bool Dispatch(V1.Event e)
    {
        switch (e.Type)
        {
            case V1.Event.OffersType:
                var offers = (e.Offers?.Offers ?? []).OfType<V1.Offer>().Select(SchedulerJson.ReadOffer).ToArray();
                if (offers.Length > 0) scheduler.ResourceOffers(this, offers);
                break;
            case V1.Event.RescindType:
                scheduler.OfferRescinded(this, e.Rescind?.OfferId?.Value ?? "");
                break;
            case V1.Event.UpdateType:
                var status = SchedulerJson.ReadStatus(e.Update?.Status ?? new V1.TaskStatus());
                lock (liveTasks)
                {
                    if (status.State.IsTerminal()) liveTasks.Remove(status.TaskId);
                    else liveTasks[status.TaskId] = status.AgentId ?? liveTasks.GetValueOrDefault(status.TaskId);
                }
                Answered(status.TaskId);
                scheduler.StatusUpdate(this, status);
                if (options.ImplicitAcknowledgements && status.Uuid is not null && status.AgentId is not null) AcknowledgeStatusUpdate(status);
                break;
            case V1.Event.MessageType:
                var message = e.Message;
                scheduler.FrameworkMessage(this, message?.ExecutorId?.Value ?? "", message?.AgentId?.Value ?? "", Convert.FromBase64String(message?.Data ?? ""));
                break;
            case V1.Event.FailureType:
                var failure = e.Failure;
                var agent = failure?.AgentId?.Value ?? "";
                if (failure?.ExecutorId?.Value is { } executor)
                    scheduler.ExecutorLost(this, executor, agent, failure.Status ?? 0);
                else
                    scheduler.AgentLost(this, agent);
                break;
            case V1.Event.ErrorType:
                Fail(e.Error?.Message ?? "error");
                return true;
        }
        return false;
    }

    private void Fail(string message)
    {
        LogError(logger, message);
        // The scheduler hears of the error before anyone waiting in JoinAsync sees the driver end.
        Volatile.Write(ref status, (int)DriverStatus.Aborted);
        scheduler.Error(this, message);
        End(DriverStatus.Aborted);
    }

    private void ReconcileKnownTasks()
    {
        (string, string?)[] known;
        lock (liveTasks) known = [.. liveTasks.Select(t => (t.Key, t.Value))];
        if (known.Length > 0) ReconcileUntilAnswered(known);
        Enqueue(SchedulerJson.Reconcile([])); // and whatever the master knows that we do not
    }

    /// <summary>Sends queued calls in order; acknowledgements go out concurrently (each is independent).</summary>
    private async Task SendLoopAsync()
    {
        var inFlight = new List<Task>();
        await foreach (var call in calls.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var current = Volatile.Read(ref connection);
            var type = call.Type ?? "?";
            if (current is null)
            {
                LogDropped(logger, type);
                continue;
            }
            if (type == V1.Call.AcknowledgeType)
            {
                await acknowledgements.WaitAsync().ConfigureAwait(false);
                inFlight.Add(SendAsync(current, call, type).ContinueWith(_ => acknowledgements.Release(), TaskScheduler.Default));
                inFlight.RemoveAll(t => t.IsCompleted);
                continue;
            }
            await Task.WhenAll(inFlight).ConfigureAwait(false);
            inFlight.Clear();
            await SendAsync(current, call, type).ConfigureAwait(false);
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task SendAsync(SchedulerConnection current, V1.Call call, string type)
    {
        try
        {
            await current.CallAsync(call, stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SchedulerCallException or OperationCanceledException)
        {
            LogCallFailed(logger, type, e.Message);
        }
    }

    private DriverStatus Enqueue(V1.Call call)
    {
        if (Status != DriverStatus.Running) return Status;
        calls.Writer.TryWrite(call);
        return DriverStatus.Running;
    }

    public DriverStatus LaunchTasks(IReadOnlyList<string> offerIds, IReadOnlyList<TaskInfo> tasks, Filters? filters = null) =>
        AcceptOffers(offerIds, tasks, filters);

    public DriverStatus AcceptOffers(IReadOnlyList<string> offerIds, IReadOnlyList<TaskInfo> launches, Filters? filters = null)
    {
        lock (liveTasks)
            foreach (var task in launches) liveTasks[task.TaskId] = task.AgentId;
        return Enqueue(SchedulerJson.Accept(offerIds, launches, filters));
    }

    public DriverStatus DeclineOffer(string offerId, Filters? filters = null) => Enqueue(SchedulerJson.Decline(offerId, filters));

    public DriverStatus ReviveOffers(IReadOnlyList<string>? roles = null) => Enqueue(SchedulerJson.Revive(roles));

    public DriverStatus SuppressOffers(IReadOnlyList<string>? roles = null) => Enqueue(SchedulerJson.Suppress(roles));

    public DriverStatus KillTask(string taskId)
    {
        string? agent;
        lock (liveTasks) agent = liveTasks.GetValueOrDefault(taskId);
        return Enqueue(SchedulerJson.Kill(taskId, agent));
    }

    public DriverStatus AcknowledgeStatusUpdate(TaskUpdate status) =>
        status.Uuid is null || status.AgentId is null ? Status : Enqueue(SchedulerJson.Acknowledge(status));

    public DriverStatus ReconcileTasks(IReadOnlyList<string> taskIds)
    {
        (string, string?)[] tasks;
        lock (liveTasks) tasks = [.. taskIds.Select(t => (t, liveTasks.GetValueOrDefault(t)))];
        return ReconcileUntilAnswered(tasks);
    }

    public DriverStatus ReconcileTasks(IReadOnlyList<(string TaskId, string? AgentId)> tasks)
    {
        lock (liveTasks)
            foreach (var (task, agent) in tasks)
                liveTasks[task] = agent ?? liveTasks.GetValueOrDefault(task);
        return ReconcileUntilAnswered(tasks);
    }

    public DriverStatus SendFrameworkMessage(string executorId, string agentId, byte[] data) =>
        Enqueue(SchedulerJson.Message(executorId, agentId, data));

    public async ValueTask DisposeAsync()
    {
        if (Status == DriverStatus.Running) Abort();
        if (loops is not null) await loops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Interlocked.Exchange(ref connection, null) is { } c) await c.DisposeAsync().ConfigureAwait(false);
        if (ownsHttp) http.Dispose();
        finished.TrySetResult(Status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed as framework {Framework} with master {Master} (re-subscriptions before: {Count})")]
    private static partial void LogSubscribed(ILogger logger, string framework, string master, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the subscription with master {Master}; re-subscribing")]
    private static partial void LogDisconnected(ILogger logger, string master);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Master {Master} sent nothing for {Seconds:F0} s (missed heartbeats); re-subscribing")]
    private static partial void LogSilent(ILogger logger, string master, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscription attempt {Attempt} failed, next in {DelayMs:F0} ms: {Error}")]
    private static partial void LogRetry(ILogger logger, int attempt, double delayMs, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a {Call} call: not subscribed")]
    private static partial void LogDropped(ILogger logger, string call);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Call} failed: {Error}")]
    private static partial void LogCallFailed(ILogger logger, string call, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Framework error, the driver aborts: {Message}")]
    private static partial void LogError(ILogger logger, string message);
}
