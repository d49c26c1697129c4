namespace Mesos.HA.Agent.Files;

/// <summary>
/// From a parsed virtual path to the real file, confined to its sandbox. Pure: the disk is reached only
/// through <c>realPath</c> (the canonical path with every symlink resolved, or null when it does not exist),
/// so tests can script it.
/// </summary>
public static class SandboxPathResolver
{
    /// <summary>
    /// The real path of <paramref name="address"/> below <paramref name="sandboxRoot"/> (itself a real path).
    /// Throws NotFound when nothing is there, Forbidden when the resolved path (a symlink anywhere on the way,
    /// or the file itself) leaves the sandbox.
    /// </summary>
    public static string Resolve(SandboxAddress address, string sandboxRoot, Func<string, string?> realPath)
    {
        var candidate = address.Below.Count == 0 ? sandboxRoot : sandboxRoot + "/" + string.Join('/', address.Below);
        var real = realPath(candidate) ?? throw FilesException.NotFound(address.Virtual);
        if (!VirtualPath.IsWithin(real, sandboxRoot))
            throw FilesException.Forbidden($"'{address.Virtual}' resolves outside its sandbox");
        return real;
    }
}
