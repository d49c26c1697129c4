using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Executors;
using Mesos.HA.Agent.Files;
using Mesos.HA.Agent.Shell;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Transport;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Agent;

/// <summary>
/// One agent process: the shell around <see cref="AgentCore"/>. What arrives from the leading master
/// (<see cref="MasterLink"/>), the ends of task processes, executors' calls and a 100 ms tick queue up in
/// one bounded inbox; one decision loop takes what has queued as a batch, feeds it to the core in order
/// and carries out the effects (<see cref="AgentRunner.HandleBatch"/>): checkpoints on disk
/// (<see cref="FileAgentDisk"/>) in one group commit, then process groups (<see cref="ProcessLauncher"/>)
/// and frames to the master. The link's read loop only queues, so it never waits for a launch.
/// </summary>
public sealed partial class AgentService : IAsyncDisposable, IAgentEdges
{
    private static readonly TimeSpan UpdateTick = TimeSpan.FromMilliseconds(100);

    /// <summary>Inputs queued at most; a full inbox makes the link (and every other feeder) wait.</summary>
    private const int InboxCapacity = 4096;

    /// <summary>Inputs decided in one batch at most (one group commit).</summary>
    private const int BatchMax = 256;

    [ThreadStatic]
    private static bool deciding;

    private readonly Channel<Fed> inbox = Channel.CreateBounded<Fed>(new BoundedChannelOptions(InboxCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly AgentOptions options;
    private readonly AgentPaths paths;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly object gate = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Cgroups cgroups;
    private readonly UserSwitch users;
    private readonly MasterLink link;
    private readonly FileAgentDisk disk;
    private readonly AgentRunner runner;
    private readonly HealthCheckHost healthChecks;
    private readonly BackgroundLauncher launcher;
    private readonly List<Task> loops = new();
    private readonly TaskCompletionSource shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? shutdownDeadline;
    private volatile bool stopped; // disposed, or failed: no input is fed any more

    public AgentService(AgentOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        this.options = options;
        paths = new AgentPaths(options.WorkDirectory);
        logger = loggers.CreateLogger("Mesos.HA.Agent");
        this.time = time;
        cgroups = Cgroups.Detect(options.UseCgroups);
        link = new MasterLink(options, this, time, loggers.CreateLogger("Mesos.HA.Agent.MasterLink"));
        disk = new FileAgentDisk(paths, logger);
        users = UserSwitch.ForThisProcess(options.SwitchUser);
        var tokens = ExecutorTokens.LoadOrCreate(paths.ExecutorSecretKeyFile);
        launcher = new BackgroundLauncher(new ProcessLauncher(paths, cgroups, users, time, Post, stopping.Token), Post, stopping.Token);
        var executors = new ExecutorHost(options, paths, cgroups, users, tokens, time, Post, stopping.Token);
        healthChecks = new HealthCheckHost(paths, users, time, Post);
        runner = new AgentRunner(new AgentCore(options, Guid.NewGuid), disk, launcher, this, executors, healthChecks);
        ExecutorApi = new ExecutorEndpoint(executors, () => Id is not null, Feed, time)
        {
            Authentication = options.AuthenticateHttpExecutors ? tokens : null,
        };
        Files = new SandboxFiles(new SandboxCatalog(paths, () => Id, () => Tasks().Select(t => t.Sandbox)));
    }

    /// <summary>The sandboxes' files, for <c>/files/*</c> and the agent's operator API.</summary>
    public SandboxFiles Files { get; }

    /// <summary>The executor API (<c>POST /api/v1/executor</c>) custom executors call.</summary>
    public ExecutorEndpoint ExecutorApi { get; }

    /// <summary>This agent's id once a master registered it (kept across restarts).</summary>
    public AgentId? Id
    {
        get { lock (gate) return runner.Core.Info?.Id; }
    }

    /// <summary>Whether the agent is registered with a leading master right now.</summary>
    public bool Registered => link.Registered;

    /// <summary>The leader's HTTP address the agent is registered with, if any.</summary>
    public string? Leader => link.Leader;

    /// <summary>Ends when the agent was told to shut down (declared gone), was stopped, or failed (<see cref="Failure"/>).</summary>
    public Task Completion => shutdown.Task;

    /// <summary>Why the agent stopped by itself (a checkpoint it could not write), if it did.</summary>
    public string? Failure { get; private set; }

    /// <summary>Recovers checkpointed runs, then starts following the leader and delivering updates.</summary>
    public Task StartAsync()
    {
        LogCgroups(logger, cgroups.Reason);
        LogUsers(logger, users.Describe());
        lock (gate) Decide([disk.Recover()]);
        StopIfFailed();
        loops.Add(Task.Run(() => DecideAsync(stopping.Token)));
        loops.Add(Task.Run(() => link.RunAsync(stopping.Token)));
        loops.Add(Task.Run(() => TickAsync(stopping.Token)));
        loops.Add(Task.Run(() => CollectGarbageAsync(stopping.Token)));
        return Task.CompletedTask;
    }

    /// <summary>A snapshot of the runs for status pages and tests.</summary>
    public IReadOnlyList<(FrameworkId Framework, TaskId Task, TaskState State, string Sandbox, int PendingUpdates)> Tasks()
    {
        lock (gate)
        {
            if (runner.Core.Info?.Id is not { } id) return [];
            return [.. runner.Core.Runs().Select(r => (r.Key.Framework, r.Key.Task, r.State,
                paths.Sandbox(id, r.Key.Framework, r.Key.Task.Value, r.Key.RunId), r.PendingUpdates))];
        }
    }

    /// <summary>A snapshot of the custom executors for status pages and tests.</summary>
    public IReadOnlyList<ExecutorView> Executors()
    {
        lock (gate) return runner.Core.Executors();
    }

    /// <summary>An input queued for the core (null: a barrier that only says when everything before it is decided).</summary>
    private readonly record struct Fed(AgentInput? Input, TaskCompletionSource? Decided);

    /// <summary>
    /// Queues an input and waits until it is decided and its effects carried out (as executors' calls need,
    /// which take their answer right after). Never called from the decision loop itself.
    /// </summary>
    private void Feed(AgentInput input) => Queue(input, wait: true);

    /// <summary>Queues an input without waiting for it (waiting only while the inbox is full).</summary>
    private void Post(AgentInput input) => Queue(input, wait: false);

    private void Queue(AgentInput? input, bool wait)
    {
        if (deciding) throw new InvalidOperationException("the decision loop fed itself: it would wait for itself");
        if (stopped) return;
        var decided = wait ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        var fed = new Fed(input, decided);
        if (!inbox.Writer.TryWrite(fed))
        {
            try
            {
                inbox.Writer.WriteAsync(fed, stopping.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
                return; // stopping: the input is dropped, as every input after a stop is
            }
        }
        decided?.Task.GetAwaiter().GetResult();
    }

    /// <summary>The decision loop: whatever has queued, up to a batch, decided together.</summary>
    private async Task DecideAsync(CancellationToken token)
    {
        var batch = new List<Fed>(BatchMax);
        var inputs = new List<AgentInput>(BatchMax);
        try
        {
            while (await inbox.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (batch.Count < BatchMax && inbox.Reader.TryRead(out var fed))
                {
                    batch.Add(fed);
                    if (fed.Input is { } input) inputs.Add(input);
                }
                lock (gate) Decide(inputs);
                StopIfFailed();
                foreach (var fed in batch) fed.Decided?.TrySetResult();
                batch.Clear();
                inputs.Clear();
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            inbox.Writer.TryComplete();
            foreach (var fed in batch) fed.Decided?.TrySetResult();
            while (inbox.Reader.TryRead(out var left)) left.Decided?.TrySetResult();
        }
    }

    /// <summary>A batch through the core, under the lock; a checkpoint that cannot be written stops the agent.</summary>
    private void Decide(IReadOnlyList<AgentInput> inputs)
    {
        if (stopped || inputs.Count == 0) return;
        deciding = true;
        try
        {
            runner.HandleBatch(inputs, time.GetUtcNow());
            return;
        }
        catch (CheckpointFailedException e)
        {
            // Memory is ahead of the disk: stop here, and let a restart recover from what the disk holds.
            stopped = true;
            Failure = e.Message;
            LogCheckpointFailed(logger, e);
        }
        finally
        {
            deciding = false;
        }
    }

    /// <summary>After a batch, outside the lock: a failed checkpoint stops every loop and ends <see cref="Completion"/>.</summary>
    private void StopIfFailed()
    {
        if (Failure is null) return;
        stopping.Cancel();
        shutdown.TrySetResult();
    }

    /// <summary>What the link sends when it connects, once every input queued before is decided (a launch queued is a task it reports).</summary>
    internal AgentMessage RegistrationMessage()
    {
        Queue(null, wait: true);
        lock (gate) return runner.Core.Registration();
    }

    internal void OnRegistered(AgentId id) => Post(new LinkRegistered(id));

    internal void OnLinkLost() => Post(new LinkLost());

    /// <summary>A message from the leading master (the link has already checked its term): queued, the link reads on.</summary>
    internal void OnMessage(AgentMessage message) => Post(new FromMaster(message));

    private async Task TickAsync(CancellationToken token)
    {
        using var ticks = new PeriodicTimer(UpdateTick, time);
        try
        {
            while (await ticks.WaitForNextTickAsync(token).ConfigureAwait(false)) Post(new UpdatesDue());
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    bool IAgentEdges.Send(AgentMessage message) => link.TrySend(message);

    void IAgentEdges.ShutdownStarted(TimeSpan deadline) =>
        shutdownDeadline = time.CreateTimer(_ => Post(new ShutdownDeadlinePassed()), null, deadline, Timeout.InfiniteTimeSpan);

    void IAgentEdges.ShutDown() => shutdown.TrySetResult();

    void IAgentEdges.Note(Noted note)
    {
        switch (note.Note)
        {
            case AgentNote.BadLaunch: LogBadLaunch(logger, note.Task, note.Detail); break;
            case AgentNote.DuplicateLaunch: LogDuplicateLaunch(logger, note.Task, note.Framework); break;
            case AgentNote.LaunchFailed: LogLaunchFailed(logger, note.Task, note.Detail); break;
            case AgentNote.KillUnknown: LogKillUnknown(logger, note.Task, note.Framework); break;
            case AgentNote.AckUnknown: LogAckUnknown(logger, note.Detail, note.Task, note.Framework); break;
            case AgentNote.MessageDropped: LogMessageDropped(logger, note.Detail, note.Task, note.Framework); break;
            case AgentNote.UnexpectedMessage: LogUnexpected(logger, note.Detail); break;
            case AgentNote.ShutdownAsked: LogShutdown(logger, note.Detail); break;
            case AgentNote.Recovered: LogRecovered(logger, note.Detail); break;
            case AgentNote.ExecutorTimedOut: LogExecutorTimedOut(logger, note.Task, note.Framework, note.Detail); break;
            case AgentNote.KilledUnhealthy: LogKilledUnhealthy(logger, note.Task, note.Framework, note.Detail); break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        foreach (var loop in loops) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await launcher.Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await link.DisposeAsync().ConfigureAwait(false);
        lock (gate)
        {
            stopped = true;
            shutdownDeadline?.Dispose();
            disk.Dispose();
        }
        // After the lock: a checker's last decision may be waiting for it (and is dropped, the agent being stopped).
        await healthChecks.DisposeAsync().ConfigureAwait(false);
        shutdown.TrySetResult();
        // Tasks keep running: an agent that stops (or restarts) does not take its tasks with it.
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Reason}")]
    private static partial void LogCgroups(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Users}")]
    private static partial void LogUsers(ILogger logger, string users);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Stopping the agent: a checkpoint could not be written; restart it to recover from its work directory")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered the agent's checkpoints: {Detail}")]
    private static partial void LogRecovered(ILogger logger, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The master shuts this agent down: {Reason}")]
    private static partial void LogShutdown(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Killing executor {Executor} of framework {Framework}: it did not subscribe within {Timeout}")]
    private static partial void LogExecutorTimedOut(ILogger logger, string executor, string framework, string timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Killing task {Task} of framework {Framework}: its health check failed ({Detail})")]
    private static partial void LogKilledUnhealthy(ILogger logger, string task, string framework, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped a {Bytes}-byte framework message for executor {Executor} of framework {Framework}: no such executor is subscribed here")]
    private static partial void LogMessageDropped(ILogger logger, string bytes, string executor, string framework);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring an unexpected {Message} from the master")]
    private static partial void LogUnexpected(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refusing to launch task {Task}: {Error}")]
    private static partial void LogBadLaunch(ILogger logger, string task, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a second launch of task {Task} of framework {Framework}: it is already here")]
    private static partial void LogDuplicateLaunch(ILogger logger, string task, string framework);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Launching task {Task} failed: {Error}")]
    private static partial void LogLaunchFailed(ILogger logger, string task, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a kill of task {Task} of framework {Framework}: no such live task here")]
    private static partial void LogKillUnknown(ILogger logger, string task, string framework);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring acknowledgement {Uuid} for task {Task} of framework {Framework}: no such update is waiting")]
    private static partial void LogAckUnknown(ILogger logger, string uuid, string task, string framework);
}
