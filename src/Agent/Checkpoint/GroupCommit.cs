using Mesos.HA.Agent.Updates;

namespace Mesos.HA.Agent.Checkpoint;

/// <summary>
/// What a group of checkpoint writes left to flush: update logs, new files and directories whose new
/// names must survive a power loss. <see cref="Commit"/> flushes them all at once, side by side, so the
/// file system folds their flushes into few journal commits (group commit) instead of one per write.
/// Single-threaded apart from <see cref="Commit"/>'s own flushes: the agent's one decision loop uses it.
/// </summary>
public sealed class GroupCommit
{
    /// <summary>Flushes in flight at once: enough for the journal to fold them, few enough to bound threads.</summary>
    private const int FlushesAtOnce = 8;

    private readonly HashSet<UpdateLog> logs = [];
    private readonly List<FileStream> files = [];
    private readonly HashSet<string> directories = new(StringComparer.Ordinal);
    private readonly List<UpdateLog> closing = [];

    public bool Empty => logs.Count == 0 && files.Count == 0 && directories.Count == 0 && closing.Count == 0;

    public void Log(UpdateLog log) => logs.Add(log);

    /// <summary>A new file, written: flushed and closed by the commit.</summary>
    public void File(FileStream file) => files.Add(file);

    /// <summary>A directory that gained a name (a new file, a rename).</summary>
    public void Directory(string path) => directories.Add(path);

    /// <summary>A log the agent is done with: closed after the commit flushed it.</summary>
    public void Close(UpdateLog log) => closing.Add(log);

    /// <summary>Everything noted since the last commit is on disk when this returns; throws <see cref="IOException"/> when a flush failed.</summary>
    public void Commit()
    {
        if (Empty) return;
        // All at once, names and contents alike: nothing the agent does on the strength of these writes
        // happens before the commit returns, and a power loss in the middle leaves at worst a new run's
        // checkpoint empty or torn, which recovery treats as a launch never checkpointed.
        var flushes = new List<Action>(logs.Count + files.Count + directories.Count);
        foreach (var log in logs) flushes.Add(log.Sync);
        foreach (var file in files) flushes.Add(() => file.Flush(flushToDisk: true));
        foreach (var directory in directories) flushes.Add(() => AtomicFile.SyncDirectory(directory));
        try
        {
            Run(flushes);
        }
        finally
        {
            foreach (var file in files) file.Dispose();
            foreach (var log in closing) log.Dispose();
            logs.Clear();
            files.Clear();
            directories.Clear();
            closing.Clear();
        }
    }

    private static void Run(List<Action> flushes)
    {
        if (flushes.Count <= 1)
        {
            foreach (var flush in flushes) flush();
            return;
        }
        try
        {
            Parallel.ForEach(flushes, new ParallelOptions { MaxDegreeOfParallelism = FlushesAtOnce }, flush => flush());
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(i => i is IOException or UnauthorizedAccessException) is { } io)
        {
            throw new IOException(io.Message, io);
        }
    }
}
