using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>The leader's shell over a real (single-member) Raft registry, with fake time driving its periodic work.</summary>
public sealed class LeaderShellTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly FrameworkId F1 = new("f1");
    private readonly FakeTimeProvider time = new(T0);
    private readonly RecordingSink sink = new();
    private ReplicatedRegistry registry = null!;

    private SingleMemberRegistry single = null!;

    public async Task InitializeAsync()
    {
        single = await SingleMemberRegistry.StartAsync("shell");
        registry = single.Registry;
    }

    public async Task DisposeAsync() => await single.DisposeAsync();

    private static AgentInfo Agent(string id) =>
        new(new AgentId(id), $"host-{id}", "10.0.0.1:5051", "cpus:2;mem:512", new Dictionary<string, string>());

    private static Task Until(string phase, Func<bool> condition, Action? step = null) => SingleMemberRegistry.Until(phase, condition, step);

    [Fact]
    public async Task Leading_WritesRegistryEffects_AllocatesEachInterval_AndClosesTheReregistrationWindow()
    {
        await registry.ProposeAsync(new AdmitAgent(Agent("old"), 0)); // known from before "the failover"
        await using var shell = new LeaderShell(registry,
            // No batching pause: on the fake clock it would wait for the test to advance time.
            new LeaderShellOptions
            {
                AllocationInterval = TimeSpan.FromSeconds(1), AgentReregisterTimeout = TimeSpan.FromSeconds(10), AllocationBatchDelay = TimeSpan.Zero,
            },
            time, sink, NullLogger.Instance);
        await Until("the shell leads", () => shell.Term is not null);

        await shell.RunAsync(new AgentRegistering(Agent("a1")));
        Assert.Equal(AgentStatus.Active, registry.LocalRegistry.Agents[new AgentId("a1")].Status);
        var info = new FrameworkInfo("fw", "root", ["web"], ["PARTITION_AWARE"], null, null, null);
        await shell.RunAsync(new SubscribeFramework(F1, info, TimeSpan.FromMinutes(1), Known: false));
        Assert.True(registry.LocalRegistry.Frameworks.ContainsKey(F1));

        await Until("the subscription triggers an allocation without waiting for the interval",
            () => sink.Offers.Any(o => o.Agent.Value == "a1" && o.Framework == F1));

        // a1 answers its pings as time passes; "old" never re-registers.
        async Task TickAsync(TimeSpan by)
        {
            await shell.RunAsync(new AgentHeartbeat(new AgentId("a1")));
            time.Advance(by);
        }
        await Until("the agent that did not come back is marked unreachable",
            () => registry.LocalRegistry.Agents[new AgentId("old")].Status == AgentStatus.Unreachable,
            () => TickAsync(TimeSpan.FromMilliseconds(500)).GetAwaiter().GetResult());
        Assert.Equal(AgentStatus.Active, registry.LocalRegistry.Agents[new AgentId("a1")].Status);
    }

    [Fact]
    public async Task LosingLeadership_DropsTheCore_ANewTermStartsAFreshOne()
    {
        await using var shell = new LeaderShell(registry, new LeaderShellOptions(), time, sink, NullLogger.Instance);
        await Until("the shell leads", () => shell.Term is not null);
        Assert.Equal(1, shell.LeadershipsStarted);
        await shell.RunAsync(new AgentRegistering(Agent("a1")));

        await registry.RestartRaftNodeAsync("test: lose and regain leadership");
        await Until("the shell leads again", () => shell.LeadershipsStarted == 2 && shell.Term is not null);
        // The new core starts empty: a1 must re-register with the new leader before it is offered.
        var effects = await shell.RunAsync(new Tick(registry.LocalRegistry.Weights, new Dictionary<string, Allocation.RoleQuota>()));
        Assert.Empty(effects.OfType<SendOffers>());
    }

    [Fact]
    public async Task FailoverTimeout_KeepsRunningAcrossAFailover_FromTheRecordedDisconnectTime()
    {
        // Before "the failover": f1 disconnected 50 s ago with a 60 s failover timeout; f2 was connected.
        var info = new FrameworkInfo("fw", "root", ["web"], ["PARTITION_AWARE"], null, null, null);
        await registry.ProposeAsync(new AddFramework(F1, info, 60_000, T0.AddSeconds(-100).ToUnixTimeMilliseconds()));
        await registry.ProposeAsync(new UpdateFramework(F1, null, null, FrameworkConnectionChange.Disconnected, T0.AddSeconds(-50).ToUnixTimeMilliseconds()));
        var f2 = new FrameworkId("f2");
        await registry.ProposeAsync(new AddFramework(f2, info, 60_000, T0.AddSeconds(-100).ToUnixTimeMilliseconds()));

        await using var shell = new LeaderShell(registry, new LeaderShellOptions(), time, sink, NullLogger.Instance);
        await Until("f2's disconnect from the new leader is recorded",
            () => registry.LocalRegistry.Frameworks.TryGetValue(f2, out var r) && r.DisconnectedAtMs == T0.ToUnixTimeMilliseconds());
        // 10 s later f1's timeout (from its recorded disconnect) expires; f2's (from now) has 50 s left.
        await Until("f1 is removed after its failover timeout", () => !registry.LocalRegistry.Frameworks.ContainsKey(F1),
            () => time.Advance(TimeSpan.FromSeconds(1)));
        Assert.True(registry.LocalRegistry.Frameworks.ContainsKey(f2));
        Assert.True(time.GetUtcNow() - T0 < TimeSpan.FromSeconds(50));
    }

    [Fact]
    public async Task EffectsLeaveInDecisionOrder_ALaterDecisionDoesNotOvertakeAnEarlierOnesRegistryWrite()
    {
        // The ordering is within one leadership. The one-member group can resign and lead again when the
        // machine stalls it past its lease (seen once in CI, at the start of the run's parallel builds);
        // then the scenario is played again on the new leadership, with a fresh shell and sink.
        for (var attempt = 1; ; attempt++)
        {
            var recorded = new RecordingSink();
            try
            {
                await AssertDecisionOrderAsync(recorded, new AgentId($"a{attempt}"), attempt == 1 ? F1 : new FrameworkId($"f1-{attempt}"));
                return;
            }
            catch (NotLeaderException) when (attempt < 3)
            {
                await Until($"attempt {attempt}: the registry leads again", () => registry.IsLeader);
            }
        }
    }

    private async Task AssertDecisionOrderAsync(RecordingSink recorded, AgentId agent, FrameworkId framework)
    {
        await using var shell = new LeaderShell(registry, new LeaderShellOptions { AllocationBatchDelay = TimeSpan.Zero }, time, recorded, NullLogger.Instance);
        await Until("the shell leads", () => shell.Term is not null);
        await shell.RunAsync(new AgentRegistering(Agent(agent.Value)));
        var info = new FrameworkInfo("fw", "root", ["web"], ["PARTITION_AWARE"], null, null, null);
        await shell.RunAsync(new SubscribeFramework(framework, info, TimeSpan.FromMinutes(1), Known: false));
        await Until("f1 holds an offer", () => recorded.Offers.Any(o => o.Framework == framework));

        // First decision: f1 disconnects, which writes the registry and then rescinds f1's offer. Second,
        // decided while that write is still committing: a kill of an unknown task, answered at once.
        var disconnect = shell.RunAsync(new FrameworkDisconnected(framework));
        var kill = shell.RunAsync(new KillTaskCall(new FrameworkId("f2"), new TaskId("probe")));
        await Task.WhenAll(disconnect, kill);

        var order = recorded.All;
        var rescind = order.FindIndex(e => e is RescindOffer r && r.Framework == framework);
        var answer = order.FindIndex(e => e is SendUpdate { Task.Value: "probe" });
        Assert.True(rescind >= 0 && answer >= 0, $"both effects leave: {string.Join(", ", order)}");
        Assert.True(rescind < answer, $"the first decision's rescind leaves before the second's answer: {string.Join(", ", order)}");
    }

    [Fact]
    public async Task RegistryWrites_TakeEffectInTheCoreOnlyOnceCommitted_ARefusedOneLeavesBothAgreeing()
    {
        // Before this leadership: a2 was declared gone; the hub's check is raced by a re-registration that asks to readmit it.
        await registry.ProposeAsync(new AdmitAgent(Agent("a2"), 0));
        await registry.ProposeAsync(new MarkAgentGone(new AgentId("a2"), 0));
        await using var shell = new LeaderShell(registry, new LeaderShellOptions { AllocationBatchDelay = TimeSpan.Zero }, time, sink, NullLogger.Instance);
        await Until("the shell leads", () => shell.Term is not null);
        var info = new FrameworkInfo("fw", "root", ["web"], ["PARTITION_AWARE"], null, null, null);

        var subscribed = await shell.RunAsync(new SubscribeFramework(F1, info, TimeSpan.FromMinutes(1), Known: false));
        Assert.Contains(subscribed, e => e is ProposeRegistry { Command: AddFramework });
        var admitted = await shell.RunAsync(new AgentRegistering(Agent("a1")));
        Assert.Contains(admitted, e => e is ProposeRegistry { Command: AdmitAgent });
        var refused = await shell.RunAsync(new AgentReregistering(Agent("a2"), [], InRegistry: true, WasUnreachable: true));

        Assert.Contains("gone", Assert.Single(refused.OfType<AgentRegistrationRefused>()).Reason);
        Assert.Equal(AgentStatus.Gone, registry.LocalRegistry.Agents[new AgentId("a2")].Status);
        var tick = await shell.RunAsync(new Tick(registry.LocalRegistry.Weights, new Dictionary<string, Allocation.RoleQuota>()));
        var offered = tick.OfType<SendOffers>().SelectMany(o => o.Offers).Concat(sink.Offers).Select(o => o.Agent.Value).Distinct().ToArray();
        Assert.Equal(["a1"], offered); // the committed admission counts, the refused readmission does not
    }

    [Fact]
    public async Task ATransportThatThrows_LosesThatMessageOnly_TheLeaderGoesOnSending()
    {
        var flaky = new ThrowingOnceSink();
        await using var shell = new LeaderShell(registry, new LeaderShellOptions(), time, flaky, NullLogger.Instance);
        await Until("the shell leads", () => shell.Term is not null);
        await shell.RunAsync(new KillTaskCall(F1, new TaskId("first")));
        await shell.RunAsync(new KillTaskCall(F1, new TaskId("second")));
        Assert.Equal(["second"], flaky.Delivered);
    }

    [Fact]
    public async Task ALeadershipsJournal_ReplaysToTheEffectsTheLeaderGave_OverARealRegistry()
    {
        var directory = Directory.CreateTempSubdirectory("mesos-ha-journal-");
        try
        {
            var journaled = new LeaderShellOptions { AllocationBatchDelay = TimeSpan.Zero, RecordInputsDirectory = directory.FullName };
            await using (var shell = new LeaderShell(registry, journaled, time, sink, NullLogger.Instance))
            {
                await Until("the shell leads", () => shell.Term is not null);
                await shell.RunAsync(new AgentRegistering(Agent("a1")));
                var info = new FrameworkInfo("fw", "root", ["web"], ["PARTITION_AWARE"], null, null, null);
                await shell.RunAsync(new SubscribeFramework(F1, info, TimeSpan.FromMinutes(1), Known: false));
                await Until("f1 holds an offer", () => sink.Offers.Any(o => o.Framework == F1));
                var offer = sink.Offers.First(o => o.Framework == F1);
                await shell.RunAsync(new AcceptOffers(F1, [offer.Id], [new TaskLaunch(new TaskId("t1"), "t1", ResourceText("cpus:1;mem:64"), "sleep 1")], null));
                time.Advance(TimeSpan.FromSeconds(2));
                await shell.RunAsync(new KillTaskCall(F1, new TaskId("t1")));
            }
            var file = Assert.Single(directory.GetFiles("*.journal"));
            await using var journal = file.OpenRead();
            var replay = Core.Replay.MasterReplay.Run(journal);
            // Every decision of the leadership, registry commits included, replays to the same effects.
            Assert.True(replay.Inputs >= 6, $"{replay.Inputs} inputs journaled");
            Assert.Equal(replay.Inputs, replay.Checked);
            Assert.Null(replay.DivergedAt);
            Assert.Contains(sink.All.OfType<LaunchTask>(), l => l.Task.Id.Value == "t1");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Protocol.Resources.Resources ResourceText(string text) => Protocol.Resources.ResourceText.Parse(text);

    private sealed class ThrowingOnceSink : IEffectSink
    {
        private int calls;

        public List<string> Delivered { get; } = [];

        public void Publish(long term, Effect effect)
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("a transport's bug");
            if (effect is SendUpdate update) Delivered.Add(update.Task.Value);
        }
    }

    private sealed class RecordingSink : IEffectSink
    {
        private readonly ConcurrentQueue<Effect> effects = new();

        public IEnumerable<Offer> Offers => effects.OfType<SendOffers>().SelectMany(s => s.Offers);

        public List<Effect> All => [.. effects];

        public void Publish(long term, Effect effect) => effects.Enqueue(effect);
    }
}
