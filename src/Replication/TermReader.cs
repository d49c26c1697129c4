using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace Mesos.HA.Replication;

/// <summary>Reads the term of one log entry (or of the snapshot that covers it) without reading its payload.</summary>
internal sealed class TermReader : ILogEntryConsumer<IRaftLogEntry, long>
{
    public static readonly TermReader Instance = new();

    bool ILogEntryConsumer<IRaftLogEntry, long>.LogEntryMetadataOnly => true;

    ValueTask<long> ILogEntryConsumer<IRaftLogEntry, long>.ReadAsync<TEntry, TList>(TList entries, long? snapshotIndex, CancellationToken token) =>
        ValueTask.FromResult(entries.Count > 0 ? entries[0].Term : 0L);

    public static ValueTask<long> ReadAsync(WriteAheadLog log, long index, CancellationToken token) =>
        index <= 0 ? ValueTask.FromResult(0L) : log.ReadAsync(Instance, index, index, token);
}
