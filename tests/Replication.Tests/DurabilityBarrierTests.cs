using System.Threading.Channels;
using Xunit;

namespace Mesos.HA.Replication.Tests;

/// <summary>
/// The rule that makes an acknowledged write majority-durable: a write is released only by the
/// commit of an entry appended after the write committed (see <see cref="DurabilityBarrier"/>).
/// The "empty entry" here is a fake the test completes by hand.
/// </summary>
public sealed class DurabilityBarrierTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private sealed class FakeLog
    {
        public Channel<TaskCompletionSource> Appends { get; } = Channel.CreateUnbounded<TaskCompletionSource>();

        public Task AppendEmptyAsync(CancellationToken token)
        {
            var commit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Appends.Writer.TryWrite(commit);
            return commit.Task.WaitAsync(token);
        }

        public async Task<TaskCompletionSource> NextAppendAsync()
        {
            using var cts = new CancellationTokenSource(Deadline);
            return await Appends.Reader.ReadAsync(cts.Token);
        }
    }

    [Fact]
    public async Task Write_WithNothingAppendedAfterIt_IsReleasedOnlyByTheEmptyEntryCommit()
    {
        var log = new FakeLog();
        await using var barrier = new DurabilityBarrier(log.AppendEmptyAsync);

        var write = barrier.WaitAsync(CancellationToken.None);
        var empty = await log.NextAppendAsync();
        Assert.False(write.IsCompleted, "released before any later entry committed");

        empty.SetResult();
        await write.WaitAsync(Deadline);
        Assert.Equal(1, barrier.BarrierEntries);
    }

    [Fact]
    public async Task Write_IsReleasedByABatchAppendedAfterIt_ButNotByOneAppendedBefore()
    {
        var log = new FakeLog();
        await using var barrier = new DurabilityBarrier(log.AppendEmptyAsync);

        var before = barrier.Capture();          // a batch appended before the write committed
        var write = barrier.WaitAsync(CancellationToken.None);
        var after = barrier.Capture();           // a batch appended after it

        barrier.Settle(before, committed: true);
        Assert.False(write.IsCompleted, "a batch appended before the write cannot prove it flushed on followers");

        barrier.Settle(after, committed: true);
        await write.WaitAsync(Deadline);
    }

    [Fact]
    public async Task FailedBatch_TheWriteCountedOn_LeadsToAnEmptyEntry()
    {
        var log = new FakeLog();
        await using var barrier = new DurabilityBarrier(log.AppendEmptyAsync);

        var write = barrier.WaitAsync(CancellationToken.None);
        var batch = barrier.Capture();
        // The pump may already have appended an empty entry before the batch was captured; either way
        // the write must still be released once the batch fails.
        barrier.Settle(batch, committed: false);
        var empty = await log.NextAppendAsync();
        Assert.False(write.IsCompleted);
        empty.SetResult();
        await write.WaitAsync(Deadline);
    }

    [Fact]
    public async Task EmptyEntryRefused_WaitingWritesFailAsNotLeader()
    {
        var log = new FakeLog();
        await using var barrier = new DurabilityBarrier(log.AppendEmptyAsync);

        var first = barrier.WaitAsync(CancellationToken.None);
        var second = barrier.WaitAsync(CancellationToken.None);
        var empty = await log.NextAppendAsync();
        empty.SetException(new NotLeaderException(null));

        await Assert.ThrowsAsync<NotLeaderException>(() => first.WaitAsync(Deadline));
        await Assert.ThrowsAsync<NotLeaderException>(() => second.WaitAsync(Deadline));
    }

    [Fact]
    public async Task ManyWritersWaitingTogether_ShareEmptyEntries()
    {
        var log = new FakeLog();
        await using var barrier = new DurabilityBarrier(log.AppendEmptyAsync);

        var writes = Enumerable.Range(0, 64).Select(_ => barrier.WaitAsync(CancellationToken.None)).ToArray();
        // The first empty entry may have been appended before all 64 waited; whoever came later waits
        // for one more, and that one covers all of them.
        (await log.NextAppendAsync()).SetResult();
        var all = Task.WhenAll(writes);
        var second = log.NextAppendAsync();
        if (await Task.WhenAny(all, second).WaitAsync(Deadline) == second) (await second).SetResult();
        await all.WaitAsync(Deadline);
        Assert.InRange(barrier.BarrierEntries, 1, 2);
    }
}
