using System.Buffers;

namespace Mesos.HA.Protocol.IO;

/// <summary>Reads a request body (or any stream) to its end, refusing one longer than a limit without buffering past it.</summary>
public static class BoundedRead
{
    /// <summary>The whole stream, or null as soon as it runs past <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ToEndAsync(Stream body, int limit, CancellationToken token)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var read = await body.ReadAsync(buffer.GetMemory(8192), token).ConfigureAwait(false);
            if (read == 0) return buffer.WrittenSpan.ToArray();
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) return null;
        }
    }
}
