using System.Globalization;
using System.Text;

namespace Mesos.HA.Protocol.Http;

/// <summary>
/// RecordIO, the framing of Mesos event streams: each record is its length in bytes as decimal
/// ASCII, a newline, then the bytes (<c>12\n{"type":...}</c>).
/// </summary>
public static class RecordIO
{
    /// <summary>Records larger than this are refused by the reader (a broken or hostile stream).</summary>
    public const int MaxRecordBytes = 16 * 1024 * 1024;

    public static byte[] Frame(ReadOnlySpan<byte> record)
    {
        var prefix = Encoding.ASCII.GetBytes(record.Length.ToString(CultureInfo.InvariantCulture) + "\n");
        var framed = new byte[prefix.Length + record.Length];
        prefix.CopyTo(framed, 0);
        record.CopyTo(framed.AsSpan(prefix.Length));
        return framed;
    }
}

/// <summary>
/// Reads RecordIO records from a byte stream however the bytes arrive: a record split across
/// chunks, several records in one chunk, a length prefix split in the middle.
/// </summary>
public sealed class RecordIOReader(Stream stream)
{
    private readonly byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;

    /// <summary>The next record, or null at the end of the stream. Throws <see cref="InvalidDataException"/> on a bad prefix.</summary>
    public async ValueTask<byte[]?> ReadAsync(CancellationToken token)
    {
        long length = 0;
        var digits = 0;
        while (true)
        {
            if (start == end && !await FillAsync(token).ConfigureAwait(false))
            {
                if (digits == 0) return null;
                throw new InvalidDataException("the stream ended inside a record length");
            }
            var b = buffer[start++];
            if (b == (byte)'\n')
            {
                if (digits == 0) throw new InvalidDataException("empty record length");
                break;
            }
            if (b is < (byte)'0' or > (byte)'9') throw new InvalidDataException($"unexpected byte 0x{b:x2} in a record length");
            length = length * 10 + (b - '0');
            if (++digits > 10 || length > RecordIO.MaxRecordBytes) throw new InvalidDataException("record length exceeds the limit");
        }
        var record = new byte[length];
        var filled = 0;
        while (filled < length)
        {
            if (start == end && !await FillAsync(token).ConfigureAwait(false))
                throw new InvalidDataException($"the stream ended inside a record ({filled} of {length} bytes)");
            var take = (int)Math.Min(length - filled, end - start);
            buffer.AsSpan(start, take).CopyTo(record.AsSpan(filled));
            start += take;
            filled += take;
        }
        return record;
    }

    private async ValueTask<bool> FillAsync(CancellationToken token)
    {
        start = 0;
        end = await stream.ReadAsync(buffer, token).ConfigureAwait(false);
        return end > 0;
    }
}
