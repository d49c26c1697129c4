using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Mesos.HA.Replication.Registry;

namespace Mesos.HA.Replication;

/// <summary>
/// The registry exactly as it stood after applying the entry at <see cref="Index"/>. The registry is
/// immutable, so holding it costs nothing; its encoding (a <c>RegistryImage</c>) is produced once,
/// when a lagging member first needs it.
/// </summary>
internal sealed class RegistrySnapshot(long index, long term, Registry.Registry registry) : ISnapshot
{
    private byte[]? encoded;

    public long Index { get; } = index;
    public long Term { get; } = term;
    public Registry.Registry Registry { get; } = registry;

    private byte[] Encoded => encoded ??= RegistryCodec.EncodeImage(Registry);

    bool IDataTransferObject.IsReusable => true;

    long? IDataTransferObject.Length => Encoded.Length;

    ValueTask IDataTransferObject.WriteToAsync<TWriter>(TWriter writer, CancellationToken token) =>
        writer.WriteAsync(Encoded, lengthFormat: null, token);
}
