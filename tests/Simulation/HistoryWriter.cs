using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Mesos.HA.Simulation;

/// <summary>
/// The history's digest: SHA-256 over a binary encoding of every event (a kind, the time, then the
/// event's fields). Every field is written with its length or in a fixed width, so two different
/// event sequences never encode to the same bytes. Bytes gather in one buffer and reach the hash in
/// large pieces (a hash call per event costs more than the event). No text is built for the digest.
/// </summary>
internal sealed class HistoryWriter
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] pending = new byte[64 * 1024];
    private int length;

    /// <summary>Starts an event: its kind (what follows) and when it happened.</summary>
    public void Begin(byte kind, long atMs)
    {
        Byte(kind);
        Long(atMs);
    }

    public void Byte(byte value)
    {
        Room(1);
        pending[length++] = value;
    }

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Int(int value)
    {
        Room(4);
        BinaryPrimitives.WriteInt32LittleEndian(pending.AsSpan(length), value);
        length += 4;
    }

    public void Long(long value)
    {
        Room(8);
        BinaryPrimitives.WriteInt64LittleEndian(pending.AsSpan(length), value);
        length += 8;
    }

    public void Guid(Guid value)
    {
        Room(16);
        value.TryWriteBytes(pending.AsSpan(length));
        length += 16;
    }

    /// <summary>A string: its length in characters (-1 for null), then its UTF-8 bytes.</summary>
    public void Text(string? text)
    {
        if (text is null)
        {
            Int(-1);
            return;
        }
        Int(text.Length);
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max > pending.Length)
        {
            Flush();
            hash.AppendData(Encoding.UTF8.GetBytes(text));
            return;
        }
        Room(max);
        length += Encoding.UTF8.GetBytes(text, pending.AsSpan(length));
    }

    /// <summary>The digest of everything written so far (hex, 16 characters).</summary>
    public string Digest()
    {
        Flush();
        return Convert.ToHexString(hash.GetCurrentHash())[..16];
    }

    private void Room(int bytes)
    {
        if (bytes > pending.Length - length) Flush();
    }

    private void Flush()
    {
        hash.AppendData(pending, 0, length);
        length = 0;
    }
}
