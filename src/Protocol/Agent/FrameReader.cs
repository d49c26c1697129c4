using System.Buffers;
using System.Buffers.Binary;

namespace Mesos.HA.Protocol.Agent;

/// <summary>
/// Reads frames from a stream through a small buffer: a burst of frames costs one read of the stream (on TLS,
/// one pass through the TLS layer) instead of two per frame (its length prefix, then its payload). Frames larger
/// than the buffer are read into a pooled array of their own. Not thread-safe: one reader loop owns it. Only
/// the bytes of whole frames are consumed, so a read cancelled in the middle of a frame leaves the stream aligned.
/// </summary>
public sealed class FrameReader(Stream stream, int bufferBytes = FrameReader.DefaultBufferBytes)
{
    /// <summary>Small, as a master holds one per agent; most frames (launches, updates, pings) are far smaller.</summary>
    public const int DefaultBufferBytes = 8 * 1024;

    private readonly byte[] buffer = new byte[Math.Max(bufferBytes, 16)];
    private int start;
    private int end;

    /// <summary>The next frame. Only I/O errors of the stream itself (other than a clean close) throw.</summary>
    public async ValueTask<FrameRead> ReadAsync(CancellationToken token)
    {
        if (!await FillAsync(4, token).ConfigureAwait(false)) return new FrameRead.Closed();
        var length = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(start, 4));
        if (length > FrameCodec.MaxFrameBytes) return new FrameRead.Oversized(length);
        if (4 + length <= buffer.Length)
        {
            if (!await FillAsync(4 + (int)length, token).ConfigureAwait(false)) return new FrameRead.Closed();
            var read = FrameCodec.Decode(buffer.AsMemory(start + 4, (int)length));
            start += 4 + (int)length;
            return read;
        }
        return await ReadLargeAsync((int)length, token).ConfigureAwait(false);
    }

    /// <summary>A frame larger than the buffer: what is buffered of it, then the rest straight from the stream.</summary>
    private async ValueTask<FrameRead> ReadLargeAsync(int length, CancellationToken token)
    {
        var payload = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var buffered = end - start - 4;
            buffer.AsSpan(start + 4, buffered).CopyTo(payload);
            try
            {
                await stream.ReadExactlyAsync(payload.AsMemory(buffered, length - buffered), token).ConfigureAwait(false);
            }
            catch (EndOfStreamException)
            {
                return new FrameRead.Closed();
            }
            start = end = 0;
            return FrameCodec.Decode(payload.AsMemory(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    /// <summary>Reads until at least <paramref name="count"/> bytes are buffered; false when the stream ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken token)
    {
        if (end - start >= count) return true;
        if (start + count > buffer.Length)
        {
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            end -= start;
            start = 0;
        }
        while (end - start < count)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(end), token).ConfigureAwait(false);
            if (read == 0) return false;
            end += read;
        }
        return true;
    }
}
