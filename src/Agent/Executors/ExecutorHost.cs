using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using MessagePack;
using Mesos.HA.Agent.Checkpoint;
using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Shell;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Executors;

/// <summary>
/// The shell side of custom executors: their processes (started like command tasks, in their own
/// sandbox, process group and cgroup), their checkpoints, the SUBSCRIBE streams events are written
/// to, and the answers the HTTP calls wait for. An executor runs as its framework's user (see
/// <see cref="UserSwitch"/>) and is given its own token for the executor API (<see cref="ExecutorTokens"/>). Called from inside the agent's decision (under its
/// lock) and from HTTP requests; it only touches concurrent collections.
/// </summary>
public sealed class ExecutorHost(AgentOptions options, AgentPaths paths, Cgroups cgroups, UserSwitch users, ExecutorTokens tokens,
    TimeProvider time, Action<AgentInput> feed, CancellationToken stopping)
    : IExecutorSeams
{
    private readonly ConcurrentDictionary<long, Channel<ExecutorEventOut>> streams = new();
    private readonly ConcurrentDictionary<long, (int Status, string Error)> answers = new();
    private long nextCall;

    /// <summary>A fresh id for an HTTP call.</summary>
    public long NewCall() => Interlocked.Increment(ref nextCall);

    /// <summary>Opens the stream a SUBSCRIBE call will write to if it is accepted.</summary>
    public ChannelReader<ExecutorEventOut> OpenStream(long call)
    {
        var channel = Channel.CreateUnbounded<ExecutorEventOut>(new UnboundedChannelOptions { SingleReader = true });
        streams[call] = channel;
        return channel.Reader;
    }

    /// <summary>The core's answer to the call (null when it gave none: the agent stopped or never registered).</summary>
    public (int Status, string Error)? TakeAnswer(long call) => answers.TryRemove(call, out var answer) ? answer : null;

    public void ForgetStream(long call) => streams.TryRemove(call, out _);

    void IExecutorSeams.Answer(long call, int status, string error) => answers[call] = (status, error);

    void IExecutorSeams.Send(long stream, ExecutorEventOut e)
    {
        if (streams.TryGetValue(stream, out var channel)) channel.Writer.TryWrite(e);
    }

    void IExecutorSeams.Close(long stream)
    {
        if (streams.TryRemove(stream, out var channel)) channel.Writer.TryComplete();
    }

    void IExecutorSeams.CreateExecutorRun(AgentId agent, ExecutorKey executor, ExecutorCheckpoint checkpoint)
    {
        var meta = paths.Meta(agent, executor.Framework, executor.Executor, checkpoint.RunId);
        AtomicFile.Write(Path.Combine(meta, RunFiles.ExecutorFile), MessagePackSerializer.Serialize(checkpoint, FileAgentDisk.CheckpointOptions));
    }

    AgentInput IExecutorSeams.StartExecutor(AgentId agent, ExecutorKey executor, ExecutorCheckpoint checkpoint, Resources resources)
    {
        var sandbox = paths.Sandbox(agent, executor.Framework, executor.Executor, checkpoint.RunId);
        var meta = paths.Meta(agent, executor.Framework, executor.Executor, checkpoint.RunId);
        string? cgroup = null;
        try
        {
            var runAs = users.Decide(null, checkpoint.FrameworkInfo?.User);
            if (runAs.Refusal is { } refused) return new ExecutorLaunchFailed(executor, checkpoint.RunId, refused);
            cgroup = cgroups.Create(checkpoint.RunId, resources);
            var env = Environment(agent, executor, checkpoint.RunId, sandbox, resources);
            var (child, process) = CommandLauncher.Start(new LaunchSpec(checkpoint.Spec.Command, sandbox, meta, resources, env, cgroup, runAs.User));
            _ = Task.Run(async () =>
            {
                await child.WaitForExitAsync().ConfigureAwait(false);
                child.Dispose();
                feed(new ExecutorProcessExited(executor, checkpoint.RunId, CommandLauncher.RecordedExitCode(meta)));
            });
            // Durable: a restarted agent finds the executor by it, to wait for it to subscribe again.
            AtomicFile.Write(Path.Combine(meta, RunFiles.PidFile), System.Text.Encoding.ASCII.GetBytes(process.ToString()));
            return new ExecutorStarted(executor, checkpoint.RunId, process);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            if (cgroup is not null) cgroups.Remove(checkpoint.RunId);
            return new ExecutorLaunchFailed(executor, checkpoint.RunId, e.Message);
        }
    }

    /// <summary>A recovered executor's process: gone already (or none recorded) answers at once, else its end is fed when /proc loses it.</summary>
    public AgentInput? WatchExecutor(AgentId agent, ExecutorKey executor, string runId, TaskProcess? process)
    {
        var meta = paths.Meta(agent, executor.Framework, executor.Executor, runId);
        if (process is not { } watched || !ProcessGroup.Alive(watched)) return new ExecutorProcessExited(executor, runId, CommandLauncher.RecordedExitCode(meta));
        _ = Task.Run(async () =>
        {
            try
            {
                while (ProcessGroup.Alive(watched)) await Task.Delay(TimeSpan.FromMilliseconds(100), time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            feed(new ExecutorProcessExited(executor, runId, CommandLauncher.RecordedExitCode(meta)));
        });
        return null;
    }

    void IExecutorSeams.ReleaseExecutor(AgentId agent, ExecutorKey executor, string runId, TaskProcess? process)
    {
        if (process is { } ended) ProcessGroup.Signal(ended, ProcessGroup.SigKill);
        cgroups.Remove(runId);
        var meta = paths.Meta(agent, executor.Framework, executor.Executor, runId);
        try { File.WriteAllBytes(Path.Combine(meta, RunFiles.CompletedFile), []); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* a hint for garbage collection only */ }
    }

    /// <summary>
    /// What Mesos gives an executor: its ids, its sandbox, where the agent's executor API is, the timeouts it should keep,
    /// and its token for that API (given whether or not the agent checks it, so turning the check on finds every executor ready).
    /// </summary>
    private Dictionary<string, string> Environment(AgentId agent, ExecutorKey executor, string runId, string sandbox, Resources resources)
    {
        var env = CommandLauncher.TaskEnvironment(sandbox, "", agent.Value, executor.Framework.Value, resources);
        env.Remove("MESOS_TASK_ID");
        env["MESOS_EXECUTOR_ID"] = executor.Executor;
        env["MESOS_SLAVE_ID"] = agent.Value;
        env["MESOS_AGENT_ENDPOINT"] = options.ExecutorEndpoint ?? $"127.0.0.1:{options.HttpPort.ToString(CultureInfo.InvariantCulture)}";
        // A restarted agent takes its executors back: they re-subscribe, retrying for up to the recovery timeout.
        env["MESOS_CHECKPOINT"] = "1";
        env["MESOS_RECOVERY_TIMEOUT"] = MesosDuration.Format(options.ExecutorRecoveryTimeout);
        env["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = MesosDuration.Format(options.ExecutorSubscriptionBackoffMax);
        env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = MesosDuration.Format(options.ExecutorShutdownGracePeriod);
        env[ExecutorTokens.EnvironmentVariable] = tokens.Issue(executor, runId);
        // An agent on TLS serves the executor API over HTTPS: say so, with the authority its certificate chains to (Mesos' variables).
        if (options.Tls is not null)
        {
            env["LIBPROCESS_SSL_ENABLED"] = "true";
            if (options.TlsAuthorityFile is { } authority) env["LIBPROCESS_SSL_CA_FILE"] = authority;
        }
        return env;
    }
}
