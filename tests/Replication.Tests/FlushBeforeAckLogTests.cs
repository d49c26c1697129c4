using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Xunit;

namespace Mesos.HA.Replication.Tests;

/// <summary>
/// The follower side of majority-durable commits (issue 11): what a follower acknowledges must already
/// be on disk, and a leader's entry that contradicts one committed here must be noticed.
/// The logs use private memory, so a page not yet flushed exists only in this process, as after a power cut.
/// </summary>
public sealed class FlushBeforeAckLogTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "wal-" + Guid.NewGuid().ToString("N"));

    private string Dir(string name) => Path.Combine(root, name);

    private static WriteAheadLog.Options Options(string location) => new()
    {
        Location = location,
        ChunkSize = 1 << 20,
        MemoryManagement = WriteAheadLog.MemoryManagementStrategy.PrivateMemory,
    };

    private static BinaryLogEntry[] Entries(int count, long term, int bytes) =>
        Enumerable.Range(0, count).Select(i => new BinaryLogEntry { Content = new byte[bytes], Term = term }).ToArray();

    /// <summary>The follower's append, called the way DotNext's AppendEntries handler calls it: through the interface.</summary>
    private static ValueTask FollowerAppendAsync(IAuditTrail<IRaftLogEntry> log, IReadOnlyList<BinaryLogEntry> entries, long startIndex) =>
        log.AppendAsync(new LogEntryProducer<BinaryLogEntry>(entries), startIndex, skipCommitted: true);

    [Fact]
    public async Task FollowerAppend_ReturnsOnlyOnceItsEntriesAreOnDisk()
    {
        await using (var log = new FlushBeforeAckLog(Options(Dir("follower")), new AppliedIndexOnly()))
        {
            // 64 x 16 KiB: a flush that takes a while, so an answer sent before it ends would be caught.
            await FollowerAppendAsync(log, Entries(64, term: 1, bytes: 16 << 10), startIndex: 1);
            // The power cut, at the moment the follower would answer: only what is in the files survives.
            // The checkpoint (which names the last flushed entry) is copied first, as the flusher writes it last.
            CopyFiles(Dir("follower"), Dir("after-power-cut"));
            Assert.Equal(1, log.FlushedAppends);
        }
        await using var survivor = new WriteAheadLog(Options(Dir("after-power-cut")), new AppliedIndexOnly());
        Assert.Equal(64, survivor.LastEntryIndex);
        using var read = await survivor.ReadAsync(64, 64);
        Assert.Equal(1, read[0].Term);
    }

    [Fact]
    public async Task FollowerAppend_LeaderEntryOfAnotherTermAtACommittedIndex_IsReportedAndRefused()
    {
        await using var log = new FlushBeforeAckLog(Options(Dir("old-leader")), new AppliedIndexOnly());
        CommittedEntryConflict? seen = null;
        log.ConflictDetected += c => seen = c;
        // This master led term 1, appended 1..3 and committed them; the group lost 3 and a leader of term 2 wrote its own entry there.
        await FollowerAppendAsync(log, Entries(3, term: 1, bytes: 16), startIndex: 1);
        await log.CommitAsync(3);
        BinaryLogEntry[] fromNewLeader = [.. Entries(1, term: 1, bytes: 16), .. Entries(2, term: 2, bytes: 16)];

        var refused = await Assert.ThrowsAsync<CommittedEntryConflictException>(() => FollowerAppendAsync(log, fromNewLeader, startIndex: 2).AsTask());

        Assert.Equal(new CommittedEntryConflict(Index: 3, LocalTerm: 1, LeaderTerm: 2), seen);
        Assert.Equal(seen, refused.Conflict);
    }

    [Fact]
    public async Task FollowerAppend_RepeatedCommittedEntriesOfTheSameTerm_AreNotAConflict()
    {
        await using var log = new FlushBeforeAckLog(Options(Dir("follower")), new AppliedIndexOnly());
        var conflicts = 0;
        log.ConflictDetected += _ => conflicts++;
        await FollowerAppendAsync(log, Entries(3, term: 1, bytes: 16), startIndex: 1);
        await log.CommitAsync(2);

        // A retried request: the leader sends 2..4 again after the answer to 2..3 was lost.
        await FollowerAppendAsync(log, Entries(3, term: 1, bytes: 16), startIndex: 2);

        Assert.Equal(0, conflicts);
        Assert.Equal(4, log.LastEntryIndex);
    }

    [Fact]
    public void Find_ReportsTheLowestIndexWhereTermsDiffer_AndIgnoresIndexesNotHeldLocally()
    {
        (long, long)[] received = [(5, 3), (6, 4), (7, 4), (8, 4)];
        (long, long)[] local = [(5, 3), (7, 3), (6, 3)];

        Assert.Equal(new CommittedEntryConflict(6, LocalTerm: 3, LeaderTerm: 4), CommittedEntryConflict.Find(received, local));
        Assert.Null(CommittedEntryConflict.Find(received, [(5, 3)]));
        Assert.Null(CommittedEntryConflict.Find([], local));
    }

    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        var files = Directory.GetFiles(from, "*", SearchOption.AllDirectories)
            .OrderBy(f => Path.GetFileName(f) == "checkpoint" ? 0 : 1).ThenBy(f => f, StringComparer.Ordinal);
        foreach (var file in files)
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>A state machine that keeps nothing but the index it reached.</summary>
    private sealed class AppliedIndexOnly : IStateMachine
    {
        public ISnapshot? Snapshot => null;

        public ValueTask<long> ApplyAsync(LogEntry entry, CancellationToken token) => ValueTask.FromResult(entry.Index);

        public ValueTask ReclaimGarbageAsync(long watermark, CancellationToken token) => ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }
}
