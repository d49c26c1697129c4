using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication;
using Mesos.HA.Replication.Registry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// The shell over a registry that fails a write while this master still leads (its Raft member restarting,
/// say): the write's outcome is unknown, so what waited for it does not take effect, and the leadership's
/// sender goes on. Found by a 100-round chaos run: an agent told it was registered, never counted by the
/// leader, and no message leaving for the rest of the term.
/// </summary>
public sealed class LeaderShellWriteFailureTests
{
    [Fact]
    public async Task AWriteThatFailsWhileLeading_IsAnUnknownOutcome_TheAdmissionIsRefused_AndLaterEffectsStillLeave()
    {
        var registry = new FailingOnceRegistry();
        var sink = new Sink();
        await using var shell = new LeaderShell(registry, new LeaderShellOptions { AllocationBatchDelay = TimeSpan.Zero },
            new FakeTimeProvider(DateTimeOffset.UnixEpoch), sink, NullLogger.Instance);
        var agent = new AgentInfo(new AgentId("a1"), "host-a1", "10.0.0.1:5051", "cpus:2;mem:512", new Dictionary<string, string>());

        var registering = await shell.RunAsync(new AgentRegistering(agent)).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains(registering, e => e is AgentRegistrationRefused { Agent.Value: "a1" });

        var kill = await shell.RunAsync(new KillTaskCall(new FrameworkId("f1"), new TaskId("probe"))).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains(kill, e => e is SendUpdate { Task.Value: "probe" });
        Assert.Contains(sink.Sent, e => e is SendUpdate { Task.Value: "probe" });

        // The agent's next attempt is admitted normally.
        var again = await shell.RunAsync(new AgentRegistering(agent)).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(again, e => e is AgentRegistrationRefused);
    }

    private sealed class FailingOnceRegistry : IRegistryLeadership
    {
        private int proposals;

        public event Action<LeadershipTerm>? BecameLeader { add { } remove { } }

        public event Action<long>? LostLeadership { add { } remove { } }

        public bool IsLeader => true;

        public long Term => 1;

        public LeaderInfo? Leader => new("127.0.0.1:1", "127.0.0.1:2", IsLocal: true);

        public Replication.Registry.Registry LocalRegistry => Replication.Registry.Registry.Empty;

        public InjectedBugs InjectedBugs => InjectedBugs.None;

        public Task<CommandResult> ProposeAsync(RegistryCommand command, CancellationToken token = default) =>
            Interlocked.Increment(ref proposals) == 1
                ? throw new Replication.NotLeaderException(null)
                : Task.FromResult(CommandResult.Applied());
    }

    private sealed class Sink : IEffectSink
    {
        private readonly List<Effect> sent = [];

        public IReadOnlyList<Effect> Sent { get { lock (sent) return [.. sent]; } }

        public void Publish(long term, Effect effect) { lock (sent) sent.Add(effect); }
    }
}
