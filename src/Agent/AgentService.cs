using MessagePack;
using Mesos.HA.Agent.Checkpoint;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Transport;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Agent;

/// <summary>
/// One agent: runs tasks with the command executor, keeps their status updates until the
/// framework acknowledges them, checkpoints everything it needs to recover after a restart, and
/// follows the leading master through <see cref="MasterLink"/>. State is guarded by one lock;
/// messages from the master are handled one at a time by the link's read loop.
/// </summary>
public sealed partial class AgentService : IAsyncDisposable
{
    internal static readonly MessagePackSerializerOptions CheckpointOptions =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly AgentOptions options;
    private readonly AgentPaths paths;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly object gate = new();
    private readonly Dictionary<(FrameworkId, TaskId), TaskRun> runs = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly SemaphoreSlim updatesWanted = new(0, 1);
    private readonly Cgroups cgroups;
    private readonly MasterLink link;
    private readonly List<Task> loops = new();
    private AgentInfo? info;

    public AgentService(AgentOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        this.options = options;
        paths = new AgentPaths(options.WorkDirectory);
        logger = loggers.CreateLogger("Mesos.HA.Agent");
        this.time = time;
        cgroups = Cgroups.Detect(options.UseCgroups);
        link = new MasterLink(options, this, time, loggers.CreateLogger("Mesos.HA.Agent.MasterLink"));
    }

    /// <summary>This agent's id once a master registered it (kept across restarts).</summary>
    public AgentId? Id => Volatile.Read(ref info)?.Id;

    /// <summary>Whether the agent is registered with a leading master right now.</summary>
    public bool Registered => link.Registered;

    /// <summary>The leader's HTTP address the agent is registered with, if any.</summary>
    public string? Leader => link.Leader;

    /// <summary>Ends when the agent was told to shut down (declared gone) or was stopped.</summary>
    public Task Completion => shutdown.Task;

    private readonly TaskCompletionSource shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Recovers checkpointed runs, then starts following the leader and delivering updates.</summary>
    public Task StartAsync()
    {
        Directory.CreateDirectory(paths.WorkDirectory);
        LogCgroups(logger, cgroups.Reason);
        Recover();
        loops.Add(Task.Run(() => link.RunAsync(stopping.Token)));
        loops.Add(Task.Run(() => DeliverUpdatesAsync(stopping.Token)));
        loops.Add(Task.Run(() => CollectGarbageAsync(stopping.Token)));
        return Task.CompletedTask;
    }

    /// <summary>A snapshot of the runs for status pages and tests.</summary>
    public IReadOnlyList<(FrameworkId Framework, TaskId Task, TaskState State, string Sandbox, int PendingUpdates)> Tasks()
    {
        lock (gate)
            return [.. runs.Values.Select(r => (r.Framework, r.Task, r.State, r.Sandbox, r.Updates.PendingCount))];
    }

    /// <summary>What the link sends when it connects: a first registration, or a re-registration with our tasks.</summary>
    internal AgentMessage RegistrationMessage()
    {
        var known = Volatile.Read(ref info);
        if (known is null)
            return new RegisterAgent(options.Hostname, options.Resources.ToString(), options.Attributes, options.HttpPort);
        lock (gate)
        {
            var tasks = runs.Values.Where(r => !r.Updates.Completed)
                .OrderBy(r => r.Framework.Value, StringComparer.Ordinal).ThenBy(r => r.Task.Value, StringComparer.Ordinal)
                .Select(r => new RunningTask(r.Framework, r.Task, r.Spec.Role, r.Spec.Resources, r.State, r.Updates.Head?.State)).ToArray();
            return new ReregisterAgent(known with { Resources = options.Resources.ToString(), Attributes = options.Attributes }, tasks);
        }
    }

    /// <summary>A leader accepted us: remember the id for good, and resend every pending update at once.</summary>
    internal void OnRegistered(AgentId id)
    {
        var known = Volatile.Read(ref info);
        if (known is null || known.Id != id)
        {
            var fresh = new AgentInfo(id, options.Hostname, $"{options.Hostname}:{options.HttpPort}", options.Resources.ToString(), options.Attributes);
            AtomicFile.Write(paths.AgentInfoFile, MessagePackSerializer.Serialize(fresh, CheckpointOptions));
            Volatile.Write(ref info, fresh);
        }
        var now = time.GetUtcNow();
        lock (gate)
            foreach (var run in runs.Values) run.Updates.Reconnected(now);
        WakeUpdates();
    }

    /// <summary>A message from the leading master (the link has already checked its term).</summary>
    internal void OnMessage(AgentMessage message)
    {
        switch (message)
        {
            case RunTask run:
                Launch(run);
                break;
            case Protocol.Agent.KillTask kill:
                Kill(kill.Framework, kill.Task, kill.GracePeriodMs > 0 ? TimeSpan.FromMilliseconds(kill.GracePeriodMs) : options.KillGracePeriod);
                break;
            case AcknowledgeUpdate ack:
                Acknowledge(ack.Framework, ack.Task, ack.Uuid);
                break;
            case FrameworkToExecutor forExecutor:
                // The built-in command executor has no channel to its task; custom executors are a later step.
                LogMessageDropped(logger, forExecutor.Data.Length, forExecutor.Executor, forExecutor.Framework.Value);
                break;
            case ShutdownAgent stop:
                LogShutdown(logger, stop.Reason);
                _ = Task.Run(ShutdownAsync);
                break;
            default:
                LogUnexpected(logger, message.GetType().Name);
                break;
        }
    }

    private async Task ShutdownAsync()
    {
        TaskRun[] live;
        lock (gate) live = [.. runs.Values.Where(r => !r.State.IsTerminal())];
        foreach (var run in live) Kill(run.Framework, run.Task, options.KillGracePeriod);
        var deadline = time.GetUtcNow() + options.KillGracePeriod + TimeSpan.FromSeconds(2);
        // Until every task's end is recorded (its TASK_KILLED is on disk and goes out if a master still listens).
        bool Ended() { lock (gate) return live.All(r => r.State.IsTerminal()); }
        while (time.GetUtcNow() < deadline && !Ended())
            await Task.Delay(TimeSpan.FromMilliseconds(50), time).ConfigureAwait(false);
        shutdown.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        foreach (var loop in loops) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await link.DisposeAsync().ConfigureAwait(false);
        lock (gate)
            foreach (var run in runs.Values) run.Log.Dispose();
        shutdown.TrySetResult();
        // Tasks keep running: an agent that stops (or restarts) does not take its tasks with it.
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Reason}")]
    private static partial void LogCgroups(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The master shuts this agent down: {Reason}")]
    private static partial void LogShutdown(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped a {Bytes}-byte framework message for executor {Executor} of framework {Framework}: the command executor takes no messages")]
    private static partial void LogMessageDropped(ILogger logger, int bytes, string executor, string framework);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring an unexpected {Message} from the master")]
    private static partial void LogUnexpected(ILogger logger, string message);
}
