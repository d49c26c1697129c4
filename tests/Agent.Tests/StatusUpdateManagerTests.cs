using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Xunit;

namespace Mesos.HA.Agent.Tests;

public class StatusUpdateManagerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static StatusUpdate Update(TaskState state) => new(new FrameworkId("f"), new TaskId("t"), state, Guid.NewGuid(), "", "", 0);

    [Fact]
    public void Updates_GoOutInOrder_TheNextOnlyAfterTheHeadIsAcknowledged()
    {
        var stream = new UpdateStream(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        StatusUpdate running = Update(TaskState.Running), finished = Update(TaskState.Finished);
        Assert.True(stream.Add(running));
        Assert.True(stream.Add(finished));
        Assert.False(stream.Add(running)); // same uuid
        Assert.Equal(running, stream.Head);
        Assert.Equal(AckOutcome.Unexpected, stream.Acknowledge(finished.Uuid, T0)); // not the head
        Assert.Equal(AckOutcome.Accepted, stream.Acknowledge(running.Uuid, T0));
        Assert.Equal(AckOutcome.Duplicate, stream.Acknowledge(running.Uuid, T0));
        Assert.Equal(finished, stream.Head);
        Assert.True(stream.Terminal);
        Assert.False(stream.Completed);
        Assert.Equal(AckOutcome.Accepted, stream.Acknowledge(finished.Uuid, T0));
        Assert.True(stream.Completed);
        Assert.Null(stream.Head);
    }

    [Fact]
    public void UnacknowledgedHead_IsResentWithDoublingBackoff_ResetByAReconnect()
    {
        var stream = new UpdateStream(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        stream.Add(Update(TaskState.Running));
        Assert.True(stream.DueAt <= T0);
        var sentAt = T0;
        var gaps = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            stream.Sent(sentAt);
            gaps.Add((stream.DueAt - sentAt).TotalSeconds);
            sentAt = stream.DueAt;
        }
        Assert.Equal([1, 2, 4, 5, 5], gaps);
        stream.Reconnected(sentAt);
        Assert.Equal(sentAt, stream.DueAt);
        stream.Sent(sentAt);
        Assert.Equal(sentAt.AddSeconds(1), stream.DueAt);
    }

    [Fact]
    public void UpdateLog_ReplaysUpdatesAndAcknowledgements_AndCutsATornTail()
    {
        var path = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "updates-" + Guid.NewGuid().ToString("N"), "updates");
        try
        {
            StatusUpdate running = Update(TaskState.Running), finished = Update(TaskState.Finished);
            using (var log = UpdateLog.Open(path, out var empty))
            {
                Assert.Empty(empty);
                log.Append(new UpdateLogRecord(running, null));
                log.Append(new UpdateLogRecord(null, running.Uuid));
                log.Append(new UpdateLogRecord(finished, null));
            }
            var whole = new FileInfo(path).Length;
            File.AppendAllBytes(path, [0, 0, 0, 50, 1, 2, 3]); // a crash in the middle of the next append

            using (var log = UpdateLog.Open(path, out var records))
            {
                Assert.Equal(3, records.Count);
                Assert.Equal(running.Uuid, records[1].Acknowledged);
                Assert.Equal(finished.Uuid, records[2].Update!.Uuid);
                Assert.Equal(whole, new FileInfo(path).Length);
                log.Append(new UpdateLogRecord(null, finished.Uuid));
            }
            Assert.Equal(4, UpdateLog.ReadAll(path).Count);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Theory]
    [InlineData(0.0, 0.9)]
    [InlineData(0.5, 0.4)]
    [InlineData(0.9, 0.0)]
    [InlineData(0.99, 0.0)]
    public void SandboxAge_ShrinksAsTheDiskFills(double used, double fractionOfDelay)
    {
        var age = AgentService.SandboxAge(TimeSpan.FromDays(10), 0.1, used);
        Assert.Equal(TimeSpan.FromDays(10 * fractionOfDelay).TotalMinutes, age.TotalMinutes, 3);
    }
}
