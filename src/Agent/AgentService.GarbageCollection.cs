using Microsoft.Extensions.Logging;

namespace Mesos.HA.Agent;

/// <summary>Garbage collection of old sandboxes (finished runs only: the core no longer holds them).</summary>
public sealed partial class AgentService
{
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
        if (Id is not { } id) return 0;
        var maxAge = SandboxAge(options.GcDelay, options.GcDiskHeadroom, DiskUsedFraction(paths.WorkDirectory));
        var removed = 0;
        foreach (var meta in paths.MetaRuns(id).ToArray())
        {
            var completed = Path.Combine(meta, Mesos.HA.Agent.Tasks.RunFiles.CompletedFile);
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



    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} finished sandboxes older than {MaxAge}")]
    private static partial void LogCollected(ILogger logger, int count, TimeSpan maxAge);
}
