using System.Buffers;
using System.Buffers.Binary;
using MessagePack;

namespace Mesos.HA.Protocol.Agent;

/// <summary>What reading one frame from a stream gave.</summary>
public abstract record FrameRead
{
    /// <summary>A well-formed frame.</summary>
    public sealed record Ok(AgentFrame Frame) : FrameRead;

    /// <summary>The frame's bytes arrived but do not decode (or carry an unknown version). The stream is still aligned.</summary>
    public sealed record Malformed(string Error) : FrameRead;

    /// <summary>The length prefix exceeds the limit: the peer is broken or hostile; the stream cannot be trusted any more.</summary>
    public sealed record Oversized(long Length) : FrameRead;

    /// <summary>The peer closed the stream (possibly in the middle of a frame).</summary>
    public sealed record Closed : FrameRead;
}

/// <summary>
/// Length-prefixed MessagePack frames for the master-agent channel, decoded with the
/// untrusted-data guard. Reading never throws for bad input; it reports it.
/// </summary>
public static class FrameCodec
{
    public const int Version = 1;

    /// <summary>Where a master accepts the agent channel (an HTTP/1.1 upgrade on its HTTP port).</summary>
    public const string ChannelPath = "/api/v1/agent-channel";

    /// <summary>The <c>Upgrade</c> protocol name; the version follows a slash.</summary>
    public const string UpgradeProtocol = "mesos-ha-agent";

    /// <summary>Frames larger than this are refused (a re-registration with ~10,000 tasks fits).</summary>
    public const int MaxFrameBytes = 4 * 1024 * 1024;

    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>The frame with its length prefix, ready to write.</summary>
    public static byte[] Encode(long term, AgentMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        buffer.Advance(4);
        MessagePackSerializer.Serialize(buffer, new AgentFrame(Version, term, message), Options);
        var bytes = buffer.WrittenSpan.ToArray();
        var length = bytes.Length - 4;
        if (length > MaxFrameBytes) throw new InvalidOperationException($"frame of {length} bytes exceeds the {MaxFrameBytes}-byte limit");
        BinaryPrimitives.WriteInt32BigEndian(bytes, length);
        return bytes;
    }

    /// <summary>Decodes a frame's payload (without the length prefix).</summary>
    public static FrameRead Decode(ReadOnlyMemory<byte> payload)
    {
        AgentFrame? frame;
        try
        {
            frame = MessagePackSerializer.Deserialize<AgentFrame>(payload, Options, out var read);
            if (read != payload.Length) return new FrameRead.Malformed($"{payload.Length - read} trailing bytes after the frame");
        }
        catch (MessagePackSerializationException e)
        {
            return new FrameRead.Malformed("undecodable frame: " + (e.InnerException?.Message ?? e.Message));
        }
        if (frame?.Message is null) return new FrameRead.Malformed("frame carries no message");
        if (frame.Version != Version) return new FrameRead.Malformed($"unsupported protocol version {frame.Version} (this side speaks {Version})");
        return new FrameRead.Ok(frame);
    }

    /// <summary>Reads the next frame. Only I/O errors of the stream itself (other than a clean close) throw.</summary>
    public static async ValueTask<FrameRead> ReadAsync(Stream stream, CancellationToken token)
    {
        var header = new byte[4];
        if (!await ReadExactlyOrEndAsync(stream, header, token).ConfigureAwait(false)) return new FrameRead.Closed();
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > MaxFrameBytes) return new FrameRead.Oversized(length);
        var payload = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var memory = payload.AsMemory(0, (int)length);
            if (!await ReadExactlyOrEndAsync(stream, memory, token).ConfigureAwait(false)) return new FrameRead.Closed();
            return Decode(memory);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    private static async ValueTask<bool> ReadExactlyOrEndAsync(Stream stream, Memory<byte> buffer, CancellationToken token)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, token).ConfigureAwait(false);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }
}
