using Microsoft.Win32.SafeHandles;

namespace Mesos.HA.Agent.Files;

/// <summary>
/// Browse, read and download files inside attached sandboxes (Mesos' <c>Files</c>), confined: every path is
/// parsed (<see cref="VirtualPath"/>), resolved to its real path and checked to be inside its sandbox
/// (<see cref="SandboxPathResolver"/>); an opened file is checked again through the path the kernel holds
/// for it, so a symlink swapped in between the check and the open is caught too. Nothing here writes.
/// Safe to call concurrently.
/// </summary>
public sealed class SandboxFiles(SandboxCatalog catalog)
{
    /// <summary>A read returns at most this many bytes (Mesos: 16 pages); clients page through with offsets.</summary>
    public const int MaxReadBytes = 1 << 20;

    /// <summary>A listing shows at most this many entries, sorted by name (beyond it, which ones is the file system's order).</summary>
    public const int MaxListedEntries = 10_000;

    public SandboxCatalog Catalog => catalog;

    /// <summary>The entries of a directory, sorted by name; a file lists nothing (as in Mesos).</summary>
    public IReadOnlyList<FileEntry> Browse(string? path)
    {
        var (address, root, real) = Resolve(path);
        if (NativeFiles.Stat(real, followLinks: true) is not { IsDirectory: true }) return [];
        var names = new List<string>();
        try
        {
            names.AddRange(Directory.EnumerateFileSystemEntries(real).Select(Path.GetFileName).OfType<string>().Take(MaxListedEntries));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FilesException(FilesErrorKind.Unknown, $"'{address.Virtual}' could not be listed: {e.Message}");
        }
        // The directory must still be the one checked: a component swapped for a symlink meanwhile is refused.
        if (NativeFiles.RealPath(real) != real) throw FilesException.Forbidden($"'{address.Virtual}' changed while it was listed");
        names.Sort(StringComparer.Ordinal);
        var entries = new List<FileEntry>();
        foreach (var name in names)
        {
            var full = real + "/" + name;
            if (NativeFiles.Stat(full, followLinks: false) is not { } status) continue; // gone meanwhile
            // A symlink shows its target's status only when the target is inside the sandbox: nothing outside leaks.
            if (status.IsSymlink && NativeFiles.RealPath(full) is { } target && VirtualPath.IsWithin(target, root))
                status = NativeFiles.Stat(full, followLinks: true) ?? status;
            entries.Add(new FileEntry(address.Virtual + "/" + name, status));
        }
        return entries;
    }

    /// <summary>Up to <paramref name="length"/> bytes (all, when null; never more than <see cref="MaxReadBytes"/>) from <paramref name="offset"/>.</summary>
    public FileChunk Read(string? path, long offset, long? length)
    {
        if (offset < 0) throw FilesException.Invalid($"Negative offset provided: {offset}.");
        if (length < 0) throw FilesException.Invalid($"Negative length provided: {length}.");
        using var handle = Open(path).Handle;
        var size = RandomAccess.GetLength(handle);
        if (offset >= size) return new FileChunk(size, []);
        var wanted = (int)Math.Min(Math.Min(length ?? long.MaxValue, MaxReadBytes), size - offset);
        var data = new byte[wanted];
        var read = 0;
        while (read < wanted)
        {
            var n = RandomAccess.Read(handle, data.AsSpan(read), offset + read);
            if (n == 0) break; // truncated meanwhile
            read += n;
        }
        return new FileChunk(size, read == wanted ? data : data[..read]);
    }

    /// <summary>A file's size now (what <c>offset=-1</c> asks for).</summary>
    public long Size(string? path)
    {
        using var handle = Open(path).Handle;
        return RandomAccess.GetLength(handle);
    }

    /// <summary>An open, confined, regular file to stream, and its name.</summary>
    public (Stream Stream, string Name) OpenDownload(string? path)
    {
        var (handle, real) = Open(path);
        return (new FileStream(handle, FileAccess.Read, bufferSize: 0), System.IO.Path.GetFileName(real));
    }

    /// <summary>Opens a regular file inside its sandbox for reading; refuses directories and anything that is not a regular file.</summary>
    private (SafeFileHandle Handle, string Real) Open(string? path)
    {
        var (address, root, real) = Resolve(path);
        var status = NativeFiles.Stat(real, followLinks: true) ?? throw FilesException.NotFound(address.Virtual);
        if (status.IsDirectory) throw FilesException.Invalid("Cannot read a directory.");
        // A FIFO or device would block or never end; a sandbox's files are regular.
        if (!status.IsRegular) throw FilesException.Invalid($"'{address.Virtual}' is not a regular file");
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(real, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException) { throw FilesException.NotFound(address.Virtual); }
        catch (DirectoryNotFoundException) { throw FilesException.NotFound(address.Virtual); }
        catch (UnauthorizedAccessException) { throw FilesException.Forbidden($"'{address.Virtual}' cannot be read by the agent"); }
        catch (IOException e) { throw new FilesException(FilesErrorKind.Unknown, $"'{address.Virtual}' could not be opened: {e.Message}"); }
        var opened = NativeFiles.OpenedPath(handle);
        if ((opened is not null && !VirtualPath.IsWithin(opened, root)) || NativeFiles.Stat(handle) is not { IsRegular: true })
        {
            handle.Dispose();
            throw FilesException.Forbidden($"'{address.Virtual}' resolves outside its sandbox");
        }
        return (handle, real);
    }

    private (SandboxAddress Address, string Root, string Real) Resolve(string? path)
    {
        var address = VirtualPath.Parse(path, catalog.FrameworkRoots());
        var root = catalog.SandboxRoot(address) ?? throw new FilesException(FilesErrorKind.NotFound, $"'{address.Virtual}' is not inside an attached sandbox");
        return (address, root, SandboxPathResolver.Resolve(address, root, NativeFiles.RealPath));
    }
}
