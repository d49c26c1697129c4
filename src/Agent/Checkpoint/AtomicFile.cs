using Mesos.HA.Protocol.IO;

namespace Mesos.HA.Agent.Checkpoint;

/// <summary>
/// Checkpoint files replaced atomically: written to a temporary name, flushed to disk, renamed over
/// the old one, and the directory flushed, so a crash leaves either the old or the new content.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        SyncDirectory(directory);
    }

    public static byte[]? TryRead(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;

    /// <summary>Makes a rename or a new file in <paramref name="directory"/> durable.</summary>
    public static void SyncDirectory(string directory) => DirectorySync.Flush(directory);
}
