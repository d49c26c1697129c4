namespace Mesos.HA.Agent.Files;

/// <summary>
/// The agent's virtual file paths, pure string work (no disk). A run's sandbox is attached, as in
/// Mesos, under its real path <c>&lt;work&gt;/agents/&lt;agent&gt;/frameworks/&lt;fw&gt;/executors/&lt;ex&gt;/runs/&lt;run&gt;</c>
/// and the executor's latest run also under the alias <c>/frameworks/&lt;fw&gt;/executors/&lt;ex&gt;/runs/latest</c>.
/// A <c>..</c> segment is refused outright (not normalised away), so no path can climb out lexically;
/// symlinks are the resolver's business (<see cref="SandboxPathResolver"/>).
/// </summary>
public static class VirtualPath
{
    public const string Latest = "latest";

    /// <summary>The alias of an executor's latest run; the ids are directory names (<see cref="AgentPaths.Safe"/>).</summary>
    public static string LatestAlias(string framework, string executor) => $"/frameworks/{framework}/executors/{executor}/runs/{Latest}";

    /// <summary>
    /// Takes <paramref name="path"/> apart. <paramref name="frameworkRoots"/> are the absolute directories
    /// holding the agent's framework sandboxes (<c>&lt;work&gt;/agents/&lt;agent&gt;/frameworks</c>, spelt as
    /// configured and resolved). Throws <see cref="FilesException"/>: Invalid without a path, Forbidden for
    /// <c>..</c>, NotFound for anything that names no run's sandbox.
    /// </summary>
    public static SandboxAddress Parse(string? path, IReadOnlyList<string> frameworkRoots)
    {
        if (string.IsNullOrEmpty(path)) throw FilesException.Invalid("Expecting 'path=value' in query.");
        if (path.Contains('\0', StringComparison.Ordinal)) throw FilesException.Invalid("the path contains a NUL character");
        var segments = Segments(path);
        if (segments.Contains("..")) throw FilesException.Forbidden($"'{path}': '..' is not allowed in a path");
        var normalised = "/" + string.Join('/', segments);
        if (segments.Length >= 6 && segments[0] == "frameworks" && Shape(segments, 1) is { } alias)
            return alias with { Virtual = normalised };
        foreach (var root in frameworkRoots)
        {
            var prefix = Segments(root);
            if (segments.Length < prefix.Length + 5 || !segments.AsSpan(0, prefix.Length).SequenceEqual(prefix)) continue;
            if (Shape(segments, prefix.Length) is { } real) return real with { Virtual = normalised };
        }
        throw new FilesException(FilesErrorKind.NotFound, $"'{path}' is not inside an attached sandbox");
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or below it (both real, absolute, no trailing slash).</summary>
    public static bool IsWithin(string path, string root) =>
        path == root || (path.StartsWith(root, StringComparison.Ordinal) && (root == "/" || path.Length > root.Length && path[root.Length] == '/'));

    private static string[] Segments(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();

    /// <summary><c>&lt;fw&gt;/executors/&lt;ex&gt;/runs/&lt;run&gt;/...</c> from <paramref name="at"/>; null for any other shape or an id no sandbox directory could have.</summary>
    private static SandboxAddress? Shape(string[] s, int at)
    {
        if (s.Length < at + 5 || s[at + 1] != "executors" || s[at + 3] != "runs") return null;
        var (framework, executor, run) = (s[at], s[at + 2], s[at + 4]);
        if (!IsDirectoryName(framework) || !IsDirectoryName(executor) || !IsDirectoryName(run)) return null;
        return new SandboxAddress(framework, executor, run == Latest ? null : run, s[(at + 5)..], "");
    }

    /// <summary>Sandbox directories are named by <see cref="AgentPaths.Safe"/>: another spelling would alias a different id.</summary>
    private static bool IsDirectoryName(string id) => AgentPaths.Safe(id) == id;
}
