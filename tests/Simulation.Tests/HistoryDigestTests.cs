using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Xunit;

namespace Mesos.HA.Simulation.Tests;

/// <summary>
/// The digest is taken from the events' fields, not from text: it must still tell apart any two
/// histories that differ, in a field, in where one field ends and the next begins, or in whether a
/// trace was kept.
/// </summary>
public class HistoryDigestTests
{
    private sealed class Node(string name) : SimNode(name)
    {
        public override void Receive(SimConnection connection, object message) { }
        public override void Closed(SimConnection connection) { }
    }

    private static readonly Node M1 = new("m1"), A1 = new("a1");
    private static readonly Guid U1 = new("00000000-0000-0000-0000-000000000001");

    private static string Digest(Action<SimLoop> record, bool keepTrace = false)
    {
        var loop = new SimLoop(seed: 1, keepTrace);
        record(loop);
        return loop.Digest();
    }

    [Fact]
    public void Digest_DiffersWhenAFieldDiffers()
    {
        var update = new AgentStatusUpdate(new AgentId("a1"), new FrameworkId("f1"), new TaskId("t1"), TaskState.Running, U1, "");
        string[] digests =
        [
            Digest(l => l.RecordInput(M1, 3, update)),
            Digest(l => l.RecordInput(M1, 4, update)),
            Digest(l => l.RecordInput(M1, 3, update with { State = TaskState.Finished })),
            Digest(l => l.RecordInput(M1, 3, update with { Uuid = Guid.Empty })),
            Digest(l => l.RecordInput(M1, 3, update with { Task = new TaskId("t2") })),
            Digest(l => l.RecordDelivery(A1, M1, new Ping(1))),
            Digest(l => l.RecordDelivery(A1, M1, new Ping(2))),
            Digest(l => l.RecordDelivery(A1, M1, new Pong(1))),
            Digest(l => l.RecordDelivery(M1, A1, new Ping(1))),
        ];
        Assert.Equal(digests.Length, digests.Distinct().Count());
    }

    [Fact]
    public void Digest_DiffersWhereFieldsEndDifferently()
    {
        Assert.NotEqual(Digest(l => { l.Record("ab"); l.Record("c"); }), Digest(l => { l.Record("a"); l.Record("bc"); }));
        var offers = new[] { new OfferId("o1"), new OfferId("o2") };
        Assert.NotEqual(
            Digest(l => l.RecordInput(M1, 1, new DeclineOffers(new FrameworkId("f1"), offers, null))),
            Digest(l => l.RecordInput(M1, 1, new DeclineOffers(new FrameworkId("f1"), [new OfferId("o1o2")], null))));
    }

    [Fact]
    public void Digest_IsTheSameWithOrWithoutATrace()
    {
        void Record(SimLoop l)
        {
            l.Record("seed 1");
            l.RecordDelivery(A1, M1, new Ping(7));
            l.RecordInput(M1, 2, new AgentHeartbeat(new AgentId("a1")));
        }
        Assert.Equal(Digest(Record), Digest(Record, keepTrace: true));
    }
}
