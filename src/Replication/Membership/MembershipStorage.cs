using System.Buffers.Binary;
using System.Net;
using System.Text;
using DotNext.Buffers;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.Membership;

namespace Mesos.HA.Replication.Membership;

/// <summary>
/// The Raft group's membership as this master last learned it, in <c>&lt;data-dir&gt;/membership</c>.
/// DotNext writes it when a configuration entry is applied (its version is the entry's log index) or
/// arrives with a snapshot, and reads it at start: a restarted master knows the current members, not
/// the ones its flags named. The file is DotNext's format (8-byte little-endian version, then a
/// 4-byte member count); each member is encoded here as a 2-byte little-endian length and the
/// UTF-8 text <c>ip:port</c>.
/// </summary>
internal sealed class MembershipStorage(string fileName) : PersistentClusterConfigurationStorage<EndPoint>(fileName)
{
    /// <summary>An endpoint's text is at most this long (an IPv6 address with brackets and a port fits).</summary>
    private const int MaxEndPointBytes = 64;

    public const string FileName = "membership";

    public string Path { get; } = fileName;

    /// <summary>
    /// Writes <paramref name="members"/> as version 0 when nothing is stored yet (a brand-new group's
    /// seed from the flags). Returns false when a membership was already stored: it wins over flags.
    /// </summary>
    public async ValueTask<bool> SeedIfEmptyAsync(IReadOnlyCollection<IPEndPoint> members, CancellationToken token)
    {
        if (File.Exists(Path)) return false;
        var buffer = new byte[sizeof(int) + members.Count * (sizeof(ushort) + MaxEndPointBytes)];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, members.Count);
        var length = sizeof(int);
        foreach (var member in members) length += EncodeTo(member, buffer.AsSpan(length));
        IClusterConfigurationStorage storage = this;
        return await storage.SaveConfigurationAsync(new BinaryTransferObject(buffer.AsMemory(0, length)), 0L, token)
            .ConfigureAwait(false);
    }

    /// <summary>The stored members (empty when nothing is stored: a master waiting to be added).</summary>
    public async ValueTask<IReadOnlySet<EndPoint>> ReadAsync(CancellationToken token)
    {
        IClusterConfigurationStorage<EndPoint> storage = this;
        var configuration = await storage.LoadConfigurationAsync(token).ConfigureAwait(false);
        return configuration.Members;
    }

    protected override void Encode(EndPoint address, ref BufferWriterSlim<byte> writer)
    {
        Span<byte> text = stackalloc byte[sizeof(ushort) + MaxEndPointBytes];
        writer.Write(text[..EncodeTo(address, text)]);
    }

    protected override EndPoint Decode(ref SequenceReader reader)
    {
        var length = reader.ReadLittleEndian<ushort>();
        if (length > MaxEndPointBytes) throw new InvalidDataException($"membership entry of {length} bytes (at most {MaxEndPointBytes})");
        Span<byte> text = stackalloc byte[length];
        reader.Read(text);
        var value = Encoding.UTF8.GetString(text);
        return IPEndPoint.TryParse(value, out var endPoint)
            ? endPoint
            : throw new InvalidDataException($"membership entry '{value}' is not ip:port");
    }

    private static int EncodeTo(EndPoint address, Span<byte> destination)
    {
        var text = address.ToString() ?? throw new ArgumentException("an endpoint without text", nameof(address));
        var written = Encoding.UTF8.GetBytes(text, destination[sizeof(ushort)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)written);
        return sizeof(ushort) + written;
    }
}
