using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication.Registry;
using Mesos.HA.Replication.Storage;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Replication;

/// <summary>
/// The Raft state machine of the registry: applies committed entries to the pure
/// <see cref="Registry.Registry"/>, writes the records they touch to FASTER, and checkpoints FASTER
/// every <see cref="ReplicationOptions.SnapshotIntervalEntries"/> entries. A checkpoint is a Raft
/// snapshot. The snapshot reported to DotNext's log is the <em>previous</em> checkpoint, not the
/// newest: the log drops entries up to the reported index, and lagging by one checkpoint keeps
/// slightly-behind followers on plain appends instead of constant snapshot installs (which
/// triggered the write-ahead-log fault recorded in shared/notes).
/// ApplyAsync is never called concurrently (DotNext's contract); readers see immutable registries.
/// </summary>
internal sealed partial class RegistryStateMachine : IStateMachine, IDisposable
{
    private readonly FasterRecordStore store;
    private readonly ReplicationOptions options;
    private readonly ILogger logger;
    private readonly RegistryLimits limits;
    private volatile Registry.Registry current;
    private volatile RegistrySnapshot reported;
    private RegistrySnapshot latest;
    private long appliedIndex;

    private RegistryStateMachine(FasterRecordStore store, RecoveredRecords recovered, ReplicationOptions options, ILogger logger)
    {
        this.store = store;
        this.options = options;
        this.logger = logger;
        limits = options.Limits;
        var records = recovered.Records.Select(r =>
            RegistryKey.TryParse(r.Key, out var key)
                ? RegistryCodec.DecodeRecord(key.Kind, r.Value)
                : throw new InvalidDataException("registry store holds a key it did not write"));
        current = Registry.Registry.FromRecords(records, limits);
        appliedIndex = recovered.Index;
        latest = reported = new RegistrySnapshot(recovered.Index, recovered.Term, current);
    }

    /// <summary>Opens the registry store under <paramref name="directory"/> and restores its last checkpoint.</summary>
    public static RegistryStateMachine Open(string directory, ReplicationOptions options, ILogger logger)
    {
        FasterRecordStore.WarmUp(directory + ".warmup", options.Store);
        var store = FasterRecordStore.Open(directory, options.Store, out var recovered);
        var machine = new RegistryStateMachine(store, recovered, options, logger);
        LogRestored(logger, recovered.Index, recovered.Term, recovered.Records.Count);
        return machine;
    }

    /// <summary>The registry after the last applied entry.</summary>
    public Registry.Registry Current => current;

    public long AppliedIndex => Volatile.Read(ref appliedIndex);

    /// <summary>Index of the newest durable checkpoint.</summary>
    public long CheckpointIndex => Volatile.Read(ref latest).Index;

    public int SnapshotsInstalled { get; private set; }

    public int Compactions { get; private set; }

    ISnapshot? ISnapshotManager.Snapshot => reported.Index == 0 ? null : reported;

    ValueTask ISnapshotManager.ReclaimGarbageAsync(long watermark, CancellationToken token) =>
        ValueTask.CompletedTask; // FASTER removes outdated checkpoints itself; snapshots are in-memory values.

    /// <summary>Tests only: how long each entry waits before it is applied (an applier that lags the commit index).</summary>
    internal TimeSpan ApplyDelayForTests { get; set; }

    async ValueTask<long> IStateMachine.ApplyAsync(LogEntry entry, CancellationToken token)
    {
        if (entry.Index <= appliedIndex) return appliedIndex;
        if (ApplyDelayForTests > TimeSpan.Zero) await Task.Delay(ApplyDelayForTests, TimeProvider.System, token).ConfigureAwait(false);
        if (entry.IsSnapshot)
        {
            await InstallSnapshotAsync(entry, token).ConfigureAwait(false);
        }
        else if (!entry.IsConfiguration && entry.Length is not 0)
        {
            // A configuration entry reaches the state machine emptied (DotNext's WriteAheadLog gives
            // its content to the membership storage and passes on a payload-less entry at its index).
            ApplyBatch(entry);
            if (entry.Index - latest.Index >= options.SnapshotIntervalEntries)
                await CheckpointAsync(entry.Index, entry.Term, token).ConfigureAwait(false);
        }
        Volatile.Write(ref appliedIndex, entry.Index);
        return entry.Index;
    }

    private void ApplyBatch(in LogEntry entry)
    {
        var pending = (entry.Context as PendingBatch)?.Commands;
        if (!entry.TryGetPayload(out var payload))
            payload = new System.Buffers.ReadOnlySequence<byte>(Concat(entry.GetPayload()));
        if (!RegistryCommandCodec.TryDecodeBatch(payload, out var commands, out var error))
        {
            // The proposer validates before proposing, so this entry was written by an
            // incompatible version: every replica skips it the same way.
            LogMalformedEntry(logger, entry.Index, error!);
            foreach (var p in pending ?? []) p.Complete(CommandResult.Rejected(error!) with { Index = entry.Index });
            return;
        }
        if (pending is not null && pending.Length != commands.Count) pending = null; // not the entry we proposed
        var registry = current;
        for (var i = 0; i < commands.Count; i++)
        {
            var (envelope, invalid) = commands[i];
            CommandResult result;
            if (envelope is null)
            {
                LogMalformedEntry(logger, entry.Index, invalid!);
                result = CommandResult.Rejected(invalid!);
            }
            else
            {
                var outcome = registry.Apply(envelope.Command);
                foreach (var key in outcome.Touched)
                {
                    var keyBytes = key.ToBytes();
                    if (outcome.Next.Find(key) is { } record) store.Upsert(keyBytes, RegistryCodec.EncodeRecord(record));
                    else store.Delete(keyBytes);
                }
                registry = outcome.Next;
                result = outcome.Result;
            }
            if (pending is not null && envelope is not null && pending[i].RequestId == envelope.RequestId)
                pending[i].Complete(result with { Index = entry.Index });
        }
        current = registry;
    }

    private static byte[] Concat(IEnumerable<ReadOnlyMemory<byte>> blocks)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var block in blocks) System.Buffers.BuffersExtensions.Write(buffer, block.Span);
        return buffer.WrittenSpan.ToArray();
    }

    private async ValueTask CheckpointAsync(long index, long term, CancellationToken token)
    {
        if (store.LogBytes > options.CompactionThresholdBytes)
        {
            await store.ReplaceAllAsync(EncodeAll(current), index, term, token).ConfigureAwait(false);
            Compactions++;
            LogCompacted(logger, index, store.GenerationName);
        }
        else
        {
            await store.CheckpointAsync(index, term, token).ConfigureAwait(false);
        }
        reported = latest;
        latest = new RegistrySnapshot(index, term, current);
    }

    private async ValueTask InstallSnapshotAsync(LogEntry entry, CancellationToken token)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bytes = await entry.ToByteArrayAsync(token: token).ConfigureAwait(false);
        var registry = RegistryCodec.DecodeImage(bytes, limits);
        await store.ReplaceAllAsync(EncodeAll(registry), entry.Index, entry.Term, token).ConfigureAwait(false);
        current = registry;
        // After an install DotNext takes the reported snapshot as committed: it must be this one.
        latest = reported = new RegistrySnapshot(entry.Index, entry.Term, registry);
        SnapshotsInstalled++;
        LogSnapshotInstalled(logger, entry.Index, entry.Term, registry.Agents.Count + registry.Frameworks.Count,
            (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private static IEnumerable<KeyValuePair<byte[], byte[]>> EncodeAll(Registry.Registry registry) =>
        registry.AllRecords().Select(r => new KeyValuePair<byte[], byte[]>(r.Key.ToBytes(), RegistryCodec.EncodeRecord(r.Record)));

    public void Dispose() => store.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry restored from checkpoint at index {Index} (term {Term}), {Records} records")]
    private static partial void LogRestored(ILogger logger, long index, long term, int records);

    [LoggerMessage(Level = LogLevel.Error, Message = "Skipping malformed registry entry at index {Index}: {Error}")]
    private static partial void LogMalformedEntry(ILogger logger, long index, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Installed registry snapshot at index {Index} (term {Term}), {Records} agents and frameworks, in {ElapsedMs} ms")]
    private static partial void LogSnapshotInstalled(ILogger logger, long index, long term, int records, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Compacted the registry store at index {Index} into {Generation}")]
    private static partial void LogCompacted(ILogger logger, long index, string generation);
}
