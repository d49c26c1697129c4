using System.Buffers.Binary;
using MessagePack;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Agent.Updates;

/// <summary>
/// A record of a task's update log: an update to deliver, or the acknowledgement of one. The
/// TASK_RUNNING record also carries the task's process (pid and start time), made durable with it.
/// </summary>
[MessagePackObject]
public sealed record UpdateLogRecord(
    [property: Key(0)] StatusUpdate? Update,
    [property: Key(1)] Guid? Acknowledged,
    [property: Key(2)] string? Process = null);

/// <summary>
/// A task's status updates on disk: each update is appended and flushed before it is sent, each
/// acknowledgement appended when it arrives, so a restarted agent resends exactly what was not
/// acknowledged. Records are length-prefixed; a torn last record (a crash mid-write) is ignored.
/// </summary>
public sealed class UpdateLog : IDisposable
{
    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly FileStream file;

    private UpdateLog(FileStream file) => this.file = file;

    /// <summary>Opens the log for appending after reading its records; a torn tail is cut off first.</summary>
    public static UpdateLog Open(string path, out IReadOnlyList<UpdateLogRecord> records)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        records = ReadAll(path, out var validLength);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        if (file.Length != validLength) file.SetLength(validLength);
        file.Seek(0, SeekOrigin.End);
        return new UpdateLog(file);
    }

    /// <summary>
    /// Appends a record, flushed to disk unless <paramref name="durable"/> is false. The agent flushes
    /// both kinds: an update before it is sent, an acknowledgement before the next update goes out (a
    /// lost acknowledgement would resend an update the framework already saw, perhaps after a final one).
    /// </summary>
    public void Append(UpdateLogRecord record, bool durable = true)
    {
        Write(record);
        if (durable) Sync();
    }

    /// <summary>
    /// Appends a record as far as the operating system (a crash of the agent's process loses nothing, a
    /// machine going down may): <see cref="Sync"/> makes it durable, together with every record before it.
    /// </summary>
    public void Write(UpdateLogRecord record)
    {
        var body = MessagePackSerializer.Serialize(record, Options);
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, body.Length);
        file.Write(header);
        file.Write(body);
        file.Flush(flushToDisk: false);
    }

    /// <summary>Flushes every record written so far to disk. May run on another thread than the writes, never beside one.</summary>
    public void Sync() => file.Flush(flushToDisk: true);

    /// <summary>Every whole record of the log at <paramref name="path"/>, in order.</summary>
    public static IReadOnlyList<UpdateLogRecord> ReadAll(string path) => ReadAll(path, out _);

    private static IReadOnlyList<UpdateLogRecord> ReadAll(string path, out long validLength)
    {
        validLength = 0;
        if (!File.Exists(path)) return [];
        var bytes = File.ReadAllBytes(path);
        var records = new List<UpdateLogRecord>();
        var offset = 0;
        while (offset + 4 <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            if (length <= 0 || offset + 4 + length > bytes.Length) break; // torn tail
            try
            {
                records.Add(MessagePackSerializer.Deserialize<UpdateLogRecord>(bytes.AsMemory(offset + 4, length), Options));
            }
            catch (MessagePackSerializationException)
            {
                break;
            }
            offset += 4 + length;
        }
        validLength = offset;
        return records;
    }

    public void Dispose() => file.Dispose();
}
