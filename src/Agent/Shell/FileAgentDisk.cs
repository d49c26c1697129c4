using MessagePack;
using Mesos.HA.Agent.Checkpoint;
using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Agent.Shell;

/// <summary>
/// The agent's checkpoints as files, laid out by <see cref="AgentPaths"/>: the identity is replaced
/// atomically and flushed; each run's launch is a new file in a new directory, its updates go to its
/// <see cref="UpdateLog"/>. A run's writes reach the operating system at once and the disk at the next
/// <see cref="Commit"/> (one group commit for every write of a batch of decisions).
/// Not thread-safe: the agent calls it from one decision at a time.
/// </summary>
public sealed partial class FileAgentDisk(AgentPaths paths, ILogger logger) : IAgentDisk, IDisposable
{
    internal static readonly MessagePackSerializerOptions CheckpointOptions =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly Dictionary<RunKey, (string Meta, UpdateLog Log)> open = [];
    private readonly GroupCommit pending = new();

    public Recovered Recover()
    {
        Directory.CreateDirectory(paths.WorkDirectory);
        if (AtomicFile.TryRead(paths.AgentInfoFile) is not { } bytes) return new Recovered(null, []);
        AgentInfo info;
        try
        {
            info = MessagePackSerializer.Deserialize<AgentInfo>(bytes, CheckpointOptions);
        }
        catch (MessagePackSerializationException e)
        {
            // Mesos refuses to start on a corrupt checkpoint; so do we, rather than run as a new agent beside orphans.
            throw new InvalidDataException($"{paths.AgentInfoFile} is unreadable ({e.Message}); move the work directory aside to start as a new agent", e);
        }
        var runs = new List<RecoveredRun>();
        var executors = new List<RecoveredExecutor>();
        foreach (var meta in paths.MetaRuns(info.Id))
        {
            if (File.Exists(Path.Combine(meta, RunFiles.CompletedFile))) continue;
            if (File.Exists(Path.Combine(meta, RunFiles.ExecutorFile)))
            {
                if (RecoverExecutor(meta) is { } executor) executors.Add(executor);
            }
            else if (RecoverRun(meta) is { } run) runs.Add(run);
        }
        return new Recovered(info, runs, executors);
    }

    private RecoveredExecutor? RecoverExecutor(string meta)
    {
        try
        {
            var checkpoint = MessagePackSerializer.Deserialize<ExecutorCheckpoint>(File.ReadAllBytes(Path.Combine(meta, RunFiles.ExecutorFile)), CheckpointOptions);
            var pidFile = Path.Combine(meta, RunFiles.PidFile);
            return new RecoveredExecutor(checkpoint, File.Exists(pidFile) ? TaskProcess.Parse(File.ReadAllText(pidFile)) : null);
        }
        catch (MessagePackSerializationException e)
        {
            LogBadCheckpoint(logger, meta, e.Message);
            return null;
        }
    }

    private RecoveredRun? RecoverRun(string meta)
    {
        // No file, or an empty one: the agent stopped before the launch's checkpoint was committed (nothing ran).
        if (AtomicFile.TryRead(Path.Combine(meta, RunFiles.TaskFile)) is not { Length: > 0 } bytes) return null;
        TaskCheckpoint checkpoint;
        try
        {
            checkpoint = MessagePackSerializer.Deserialize<TaskCheckpoint>(bytes, CheckpointOptions);
        }
        catch (MessagePackSerializationException e)
        {
            LogBadCheckpoint(logger, meta, e.Message);
            return null;
        }
        var log = UpdateLog.Open(Path.Combine(meta, RunFiles.UpdatesFile), out var records);
        open[new RunKey(checkpoint.Task.Framework, checkpoint.Task.Task, checkpoint.RunId)] = (meta, log);
        var pidFile = Path.Combine(meta, RunFiles.PidFile);
        var pid = File.Exists(pidFile) ? TaskProcess.Parse(File.ReadAllText(pidFile)) : null;
        return new RecoveredRun(checkpoint, records, pid, File.Exists(Path.Combine(meta, RunFiles.KilledFile)));
    }

    public void SaveAgentInfo(AgentInfo info) =>
        AtomicFile.Write(paths.AgentInfoFile, MessagePackSerializer.Serialize(info, CheckpointOptions));

    public void CreateRun(AgentId agent, RunKey run, TaskCheckpoint checkpoint)
    {
        var meta = paths.Meta(agent, run.Framework, run.Task.Value, run.RunId);
        var log = UpdateLog.Open(Path.Combine(meta, RunFiles.UpdatesFile), out _);
        open[run] = (meta, log);
        // A new directory, so no old content to keep: written in place (recovery skips it empty or torn), and
        // flushed with the directory, whose flush makes both names durable, at the commit before the process starts.
        var file = new FileStream(Path.Combine(meta, RunFiles.TaskFile), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        pending.File(file);
        file.Write(MessagePackSerializer.Serialize(checkpoint, CheckpointOptions));
        file.Flush(flushToDisk: false);
        pending.Directory(meta);
    }

    public void Append(RunKey run, UpdateLogRecord record, bool durable)
    {
        var log = Files(run).Log;
        log.Write(record);
        if (durable) pending.Log(log);
    }

    public void MarkKilled(RunKey run)
    {
        // Its name is all it says: durable with the directory's flush.
        var meta = Files(run).Meta;
        using (new FileStream(Path.Combine(meta, RunFiles.KilledFile), FileMode.Create, FileAccess.Write)) { }
        pending.Directory(meta);
    }

    public void MarkCompleted(RunKey run)
    {
        var files = Files(run);
        open.Remove(run);
        // A hint for recovery and garbage collection; the log itself says the run is complete.
        File.WriteAllBytes(Path.Combine(files.Meta, RunFiles.CompletedFile), []);
        pending.Close(files.Log); // after the commit has flushed its last records
    }

    public void Commit() => pending.Commit();

    /// <summary>The run's files; a run never created or recovered here is a broken invariant, reported as a failed write.</summary>
    private (string Meta, UpdateLog Log) Files(RunKey run) =>
        open.TryGetValue(run, out var files) ? files : throw new IOException($"run {run.RunId} of task {run.Task} has no open checkpoint");

    public void Dispose()
    {
        try
        {
            pending.Commit();
        }
        catch (IOException)
        {
            // Stopping: what was not committed was not relied on.
        }
        foreach (var (_, log) in open.Values) log.Dispose();
        open.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping unreadable checkpoint {Meta}: {Error}")]
    private static partial void LogBadCheckpoint(ILogger logger, string meta, string error);

    public void ForgetAgent()
    {
        File.Delete(paths.AgentInfoFile);
        LogForgotten(logger, paths.AgentInfoFile);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shut down by the master: removed {File}, so a restart registers as a new agent")]
    private static partial void LogForgotten(ILogger logger, string file);
}
