using Mesos.HA.Protocol.Security;
using System.Threading.Channels;
using Mesos.HA.ExecutorDriver.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesos.HA.ExecutorDriver;

/// <summary>
/// The executor driver over the v1 executor HTTP API. Three loops run while it lives: the
/// subscription (subscribe, read the stream, subscribe again after a break), one sender of calls,
/// and one deliverer of callbacks. Decisions are the <see cref="ExecutorDriverCore"/>'s, taken under one lock.
/// </summary>
public sealed partial class MesosExecutorDriver : IExecutorDriver, IDisposable
{
    private readonly IExecutor executor;
    private readonly ExecutorDriverSettings settings;
    private readonly ILogger logger;
    private readonly ExecutorDriverCore core;
    private readonly HttpClient http;
    private readonly ExecutorAgentClient agent;
    private readonly Random jitter;
    private readonly Lock gate = new();
    private readonly Channel<ExecutorCallback> callbacks;
    private readonly Channel<OutgoingCall> calls;
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource sending = new();
    private ExecutorDriverStatus status = ExecutorDriverStatus.NotStarted;
    private Task? lifetime;
    private Exception? failure;

    public MesosExecutorDriver(IExecutor executor, ExecutorDriverSettings settings, ILogger<MesosExecutorDriver>? logger = null)
    {
        this.executor = executor;
        this.settings = settings;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        core = new ExecutorDriverCore(settings.FrameworkId, settings.ExecutorId, settings.Checkpoint);
        http = new HttpClient(Https.Handler(settings.Tls, new SocketsHttpHandler { ConnectTimeout = settings.CallTimeout })) { Timeout = Timeout.InfiniteTimeSpan };
        // Every call of this executor carries its token when the agent gave one (agents with --authenticate-http-executors require it).
        if (settings.AuthenticationToken is { } token) http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        agent = new ExecutorAgentClient(http, Https.Url(settings.Tls, settings.AgentEndpoint));
        jitter = new Random(settings.BackoffSeed ?? Random.Shared.Next());
        var bounded = new BoundedChannelOptions(settings.MaxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait };
        callbacks = Channel.CreateBounded<ExecutorCallback>(bounded);
        calls = Channel.CreateBounded<OutgoingCall>(bounded);
    }

    public ExecutorDriverStatus Status
    {
        get { lock (gate) return status; }
    }

    /// <summary>Tasks launched with no update sent yet (what the next SUBSCRIBE carries), by task id.</summary>
    internal IReadOnlyList<Protocol.Http.V1.TaskInfo> UnacknowledgedTasks
    {
        get { lock (gate) return core.UnacknowledgedTasks; }
    }

    /// <summary>Updates sent and not yet ACKNOWLEDGED, oldest first.</summary>
    internal IReadOnlyList<Protocol.Http.V1.ExecutorUpdateCall> UnacknowledgedUpdates
    {
        get { lock (gate) return core.UnacknowledgedUpdates; }
    }

    public ExecutorDriverStatus Start()
    {
        lock (gate)
        {
            if (status != ExecutorDriverStatus.NotStarted) return status;
            status = ExecutorDriverStatus.Running;
            lifetime = Task.Run(LiveAsync);
            return status;
        }
    }

    public ExecutorDriverStatus Stop() => Finish(ExecutorDriverStatus.Stopped);

    public ExecutorDriverStatus Abort() => Finish(ExecutorDriverStatus.Aborted);

    public ExecutorDriverStatus Join()
    {
        Task? running;
        lock (gate) running = lifetime;
        running?.GetAwaiter().GetResult();
        if (failure is not null) throw new InvalidOperationException("the executor driver failed: " + failure.Message, failure);
        return Status;
    }

    public ExecutorDriverStatus Run()
    {
        Start();
        return Join();
    }

    /// <summary>Aborts the driver and waits for its loops to end.</summary>
    public void Dispose()
    {
        Abort();
        Task? running;
        lock (gate) running = lifetime;
        running?.Wait();
        stopping.Dispose();
        sending.Dispose();
    }

    /// <summary>Ends the driver once (later calls return how it ended): no callback is delivered after this.</summary>
    private ExecutorDriverStatus Finish(ExecutorDriverStatus how)
    {
        lock (gate)
        {
            if (status is ExecutorDriverStatus.Stopped or ExecutorDriverStatus.Aborted) return status;
            status = how;
        }
        Log.Finished(logger, settings.ExecutorId, how);
        callbacks.Writer.TryComplete();
        stopping.Cancel();
        if (how == ExecutorDriverStatus.Aborted) sending.Cancel();
        return how;
    }

    /// <summary>Runs the three loops; returns when the callbacks ended and the queued calls were sent (or the grace period passed).</summary>
    private async Task LiveAsync()
    {
        var deliverer = Task.Run(DeliverCallbacksAsync);
        var subscription = Task.Run(() => Guarded(SubscribeAndReadAsync));
        var sender = Task.Run(() => Guarded(SendCallsAsync));
        await deliverer.ConfigureAwait(false);
        await subscription.ConfigureAwait(false);
        calls.Writer.TryComplete();
        try
        {
            await sender.WaitAsync(settings.ShutdownGracePeriod, settings.Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            sending.Cancel();
            await sender.ConfigureAwait(false);
        }
        http.Dispose();
    }

    /// <summary>A loop that fails (a bug, never an expected condition) aborts the driver; <see cref="Join"/> rethrows it.</summary>
    private async Task Guarded(Func<Task> loop)
    {
        try
        {
            await loop().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested || sending.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure ??= e;
            Finish(ExecutorDriverStatus.Aborted);
        }
    }

    private sealed record OutgoingCall(Protocol.Http.V1.ExecutorCall Call, int Subscription);
}
