using System.Text;

namespace Mesos.HA.Replication.Registry;

/// <summary>Which kind of record a <see cref="RegistryKey"/> names.</summary>
public enum RegistryKeyKind : byte
{
    Agent = (byte)'a',
    Framework = (byte)'f',
    Weight = (byte)'w',
    Quota = (byte)'q',
    Machine = (byte)'m',
}

/// <summary>The key of one registry record in the durable store: a kind letter, '/', the id.</summary>
public readonly record struct RegistryKey(RegistryKeyKind Kind, string Id)
{
    public byte[] ToBytes()
    {
        var bytes = new byte[2 + Encoding.UTF8.GetByteCount(Id)];
        bytes[0] = (byte)Kind;
        bytes[1] = (byte)'/';
        Encoding.UTF8.GetBytes(Id, bytes.AsSpan(2));
        return bytes;
    }

    public static bool TryParse(ReadOnlySpan<byte> bytes, out RegistryKey key)
    {
        key = default;
        if (bytes.Length < 3 || bytes[1] != (byte)'/') return false;
        var kind = (RegistryKeyKind)bytes[0];
        if (!Enum.IsDefined(kind)) return false;
        key = new RegistryKey(kind, Encoding.UTF8.GetString(bytes[2..]));
        return true;
    }

    public override string ToString() => $"{(char)Kind}/{Id}";
}
