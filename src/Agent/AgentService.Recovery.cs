using MessagePack;
using Mesos.HA.Agent.Checkpoint;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Agent;

/// <summary>Recovery after a restart, and garbage collection of old sandboxes.</summary>
public sealed partial class AgentService
{
    /// <summary>
    /// Reads the checkpoints: the agent's id, and every run whose updates are not all acknowledged.
    /// A run whose process is still there is supervised again; one whose process ended while the
    /// agent was down is reported from its recorded exit code (or as failed without one).
    /// </summary>
    private void Recover()
    {
        if (AtomicFile.TryRead(paths.AgentInfoFile) is not { } bytes) return;
        AgentInfo recovered;
        try
        {
            recovered = MessagePackSerializer.Deserialize<AgentInfo>(bytes, CheckpointOptions);
        }
        catch (MessagePackSerializationException e)
        {
            // Mesos refuses to start on a corrupt checkpoint; so do we, rather than run as a new agent beside orphans.
            throw new InvalidDataException($"{paths.AgentInfoFile} is unreadable ({e.Message}); move the work directory aside to start as a new agent", e);
        }
        Volatile.Write(ref info, recovered);
        var (running, ended) = (0, 0);
        foreach (var meta in paths.MetaRuns(recovered.Id))
        {
            if (File.Exists(Path.Combine(meta, TaskRun.CompletedFile))) continue;
            var (run, logged) = RecoverRun(recovered.Id, meta);
            if (run is null) continue;
            if (run.Updates.Completed)
            {
                run.Log.Dispose();
                File.WriteAllBytes(Path.Combine(meta, TaskRun.CompletedFile), []);
                continue;
            }
            lock (gate) runs[(run.Framework, run.Task)] = run;
            if (run.Updates.Terminal) continue;
            var pid = logged ?? (File.Exists(Path.Combine(meta, TaskRun.PidFile)) ? TaskProcess.Parse(File.ReadAllText(Path.Combine(meta, TaskRun.PidFile))) : null);
            run.Process = pid;
            run.KillRequested = File.Exists(Path.Combine(meta, TaskRun.KilledFile));
            if (pid is { } process && ProcessGroup.Alive(process))
            {
                running++;
                loops.Add(Task.Run(() => WatchRecoveredAsync(run, process, stopping.Token)));
            }
            else
            {
                ended++;
                Exited(run);
            }
        }
        LogRecovered(logger, recovered.Id.Value, running, ended);
    }

    /// <summary>A run from its checkpoint and update log, with the process its TASK_RUNNING record names.</summary>
    private (TaskRun? Run, TaskProcess? Process) RecoverRun(AgentId agent, string meta)
    {
        if (AtomicFile.TryRead(Path.Combine(meta, TaskRun.TaskFile)) is not { } bytes) return (null, null); // crashed before the launch was checkpointed
        TaskCheckpoint checkpoint;
        try
        {
            checkpoint = MessagePackSerializer.Deserialize<TaskCheckpoint>(bytes, CheckpointOptions);
        }
        catch (MessagePackSerializationException e)
        {
            LogBadCheckpoint(logger, meta, e.Message);
            return (null, null);
        }
        var stream = new UpdateStream(options.UpdateResendFirst, options.UpdateResendMax);
        var log = UpdateLog.Open(Path.Combine(meta, TaskRun.UpdatesFile), out var records);
        var state = TaskState.Staging;
        TaskProcess? process = null;
        foreach (var record in records)
        {
            if (record.Update is { } update && stream.Add(update)) state = update.State;
            else if (record.Acknowledged is { } uuid) stream.Acknowledge(uuid, DateTimeOffset.MinValue);
            if (record.Process is { } text) process = TaskProcess.Parse(text);
        }
        var spec = checkpoint.Task;
        var sandbox = paths.Sandbox(agent, spec.Framework, spec.Task.Value, checkpoint.RunId);
        return (new TaskRun(checkpoint, sandbox, meta, stream, log) { State = state }, process);
    }

    /// <summary>
    /// Removes finished runs (sandbox and checkpoints) older than the allowed age, which shrinks as
    /// the disk fills: gc_delay x max(0, 1 - headroom - used fraction), as Mesos computes it.
    /// </summary>
    private async Task CollectGarbageAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(1), time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            CollectGarbage(time.GetUtcNow());
        }
    }

    /// <summary>One garbage collection pass; returns how many runs were removed.</summary>
    public int CollectGarbage(DateTimeOffset now)
    {
        if (Volatile.Read(ref info)?.Id is not { } id) return 0;
        var maxAge = SandboxAge(options.GcDelay, options.GcDiskHeadroom, DiskUsedFraction(paths.WorkDirectory));
        var removed = 0;
        foreach (var meta in paths.MetaRuns(id).ToArray())
        {
            var completed = Path.Combine(meta, TaskRun.CompletedFile);
            if (!File.Exists(completed) || now - File.GetLastWriteTimeUtc(completed) < maxAge) continue;
            var relative = Path.GetRelativePath(paths.MetaRoot(id), meta);
            var sandbox = Path.Combine(paths.WorkDirectory, "agents", AgentPaths.Safe(id.Value), relative);
            TryDelete(sandbox);
            TryDelete(meta);
            removed++;
        }
        if (removed > 0) LogCollected(logger, removed, maxAge);
        return removed;
    }

    /// <summary>Mesos' rule: the fuller the disk, the sooner sandboxes go (at once beyond 1 - headroom).</summary>
    public static TimeSpan SandboxAge(TimeSpan gcDelay, double headroom, double usedFraction) =>
        gcDelay * Math.Max(0.0, 1.0 - headroom - usedFraction);

    private static double DiskUsedFraction(string path)
    {
        try
        {
            var drive = new DriveInfo(path);
            return drive.TotalSize == 0 ? 0 : 1.0 - (double)drive.AvailableFreeSpace / drive.TotalSize;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static void TryDelete(string directory)
    {
        try { if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* next pass */ }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered agent {Agent}: {Running} tasks still running, {Ended} ended while the agent was down")]
    private static partial void LogRecovered(ILogger logger, string agent, int running, int ended);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping unreadable checkpoint {Meta}: {Error}")]
    private static partial void LogBadCheckpoint(ILogger logger, string meta, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} finished sandboxes older than {MaxAge}")]
    private static partial void LogCollected(ILogger logger, int count, TimeSpan maxAge);
}
