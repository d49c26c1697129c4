using Mesos.HA.Protocol;

namespace Mesos.HA.Agent.Files;

/// <summary>
/// Which sandboxes are attached, read from the work directory at each request rather than kept in a table:
/// a run is attached while its checkpoint directory (<c>meta/.../runs/&lt;run&gt;</c>) exists, that is from its
/// launch until garbage collection removes it, across agent restarts. An executor's latest run is the one
/// running now (<paramref name="liveSandboxes"/>), else the newest checkpointed.
/// </summary>
public sealed class SandboxCatalog(AgentPaths paths, Func<AgentId?> agent, Func<IEnumerable<string>> liveSandboxes)
{
    /// <summary>/files/debug lists at most this many attachments.</summary>
    public const int MaxListed = 10_000;

    /// <summary>The directories holding this agent's framework sandboxes, as configured and as resolved (they differ under a symlinked work directory).</summary>
    public IReadOnlyList<string> FrameworkRoots()
    {
        if (agent() is not { } id) return [];
        var configured = Path.Combine(paths.WorkDirectory, "agents", AgentPaths.Safe(id.Value), "frameworks");
        var real = NativeFiles.RealPath(paths.WorkDirectory) is { } work ? Path.Combine(work, "agents", AgentPaths.Safe(id.Value), "frameworks") : configured;
        return real == configured ? [configured] : [configured, real];
    }

    /// <summary>
    /// The real path of the addressed run's sandbox, or null when it is not attached. The sandbox must be
    /// exactly where the agent made it: a run, executor or framework directory replaced by a symlink (a task
    /// can write there) is not attached, so nothing below it is served.
    /// </summary>
    public string? SandboxRoot(SandboxAddress address)
    {
        if (agent() is not { } id) return null;
        var framework = new FrameworkId(address.Framework);
        var run = address.Run ?? LatestRun(id, framework, address.Executor, liveSandboxes());
        if (run is null || !Directory.Exists(paths.Meta(id, framework, address.Executor, run))) return null;
        return Confined(paths.Sandbox(id, framework, address.Executor, run));
    }

    /// <summary>Virtual path to real path of everything attached (the latest aliases included), sorted.</summary>
    public SortedDictionary<string, string> Attached()
    {
        var attached = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (agent() is not { } id) return attached;
        var live = liveSandboxes().ToArray();
        foreach (var meta in paths.MetaRuns(id))
        {
            if (attached.Count >= MaxListed) break;
            var run = Path.GetFileName(meta);
            var executor = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(meta)))!;
            var framework = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(meta)))))!;
            var sandbox = paths.Sandbox(id, new FrameworkId(framework), executor, run);
            if (Confined(sandbox) is not { } real) continue;
            attached[sandbox] = real;
            if (LatestRun(id, new FrameworkId(framework), executor, live) == run) attached[VirtualPath.LatestAlias(framework, executor)] = real;
        }
        return attached;
    }

    private string? Confined(string sandbox)
    {
        var real = NativeFiles.RealPath(sandbox);
        var work = NativeFiles.RealPath(paths.WorkDirectory);
        if (real is null || work is null) return null;
        var expected = Path.Join(work, Path.GetRelativePath(paths.WorkDirectory, sandbox));
        return real == expected ? real : null;
    }

    private string? LatestRun(AgentId id, FrameworkId framework, string executor, IEnumerable<string> live)
    {
        var runs = Path.GetDirectoryName(paths.Sandbox(id, framework, executor, "_"))!;
        if (live.FirstOrDefault(s => Path.GetDirectoryName(s) == runs) is { } running) return Path.GetFileName(running);
        var metaRuns = Path.GetDirectoryName(paths.Meta(id, framework, executor, "_"))!;
        if (!Directory.Exists(metaRuns)) return null;
        return Directory.EnumerateDirectories(metaRuns)
            .Select(d => (Created: Directory.GetCreationTimeUtc(d), Name: Path.GetFileName(d)))
            .OrderByDescending(r => r.Created).ThenByDescending(r => r.Name, StringComparer.Ordinal)
            .Select(r => r.Name).FirstOrDefault();
    }
}
