using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Core.Replay;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Xunit;
using AgentInfo = Mesos.HA.Protocol.Registry.AgentInfo;
using CoreTick = Mesos.HA.Master.Core.Tick;

namespace Mesos.HA.Master.Tests;

/// <summary>Custom executors in the core beyond the transcripts: fairness, failover timeouts, and the journal.</summary>
public sealed class MasterCoreExecutorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly FrameworkId F1 = new("f1"), F2 = new("f2");
    private static readonly AgentId A1 = new("a1"), A2 = new("a2");
    private static Resources R(string text) => ResourceText.Parse(text);

    private static IReadOnlyList<Offer> Allocate(MasterCore core, DateTimeOffset at) =>
        [.. core.Allocate(new Dictionary<string, double>(), new Dictionary<string, RoleQuota>(), at).OfType<SendOffers>().SelectMany(s => s.Offers)];

    private static TaskLaunch WithExecutor(string task, string resources, string executor, string executorResources) =>
        new(new TaskId(task), task, R(resources), "") { Executor = new ExecutorLaunch(executor, executor, "./" + executor, R(executorResources)) };

    [Fact]
    public void ExecutorResources_CountInTheFrameworksDominantShare()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "x" });
        core.AddAgent(A1, R("cpus:10;mem:1000"), T0);
        core.AddAgent(A2, R("cpus:10;mem:1000"), T0);
        core.AddFramework(F1, ["web"]);
        core.AddFramework(F2, ["web"]);
        var first = Allocate(core, T0);
        var ofF1 = first.Single(o => o.Framework == F1);
        var ofF2 = first.Single(o => o.Framework == F2);
        // f1's task is small but its executor is not: 4 cpus in all, against f2's 3.5.
        Assert.Single(core.Accept(F1, [ofF1.Id], [WithExecutor("t1", "cpus:1;mem:10", "e1", "cpus:3;mem:10")], TimeSpan.Zero, T0).OfType<LaunchTask>());
        Assert.Single(core.Accept(F2, [ofF2.Id], [new TaskLaunch(new TaskId("t2"), "t2", R("cpus:3.5;mem:20"), "sleep 1")], TimeSpan.Zero, T0)
            .OfType<LaunchTask>());

        var next = Allocate(core, T0.AddSeconds(1));
        // The framework with the lower dominant share (f2: 3.5 of 20 cpus, f1: 4) is offered first, the first agent.
        Assert.Equal(F2, next.Single(o => o.Agent == A1).Framework);
        Assert.Equal(R("cpus:6;mem:980"), next.Single(o => o.Agent == ofF1.Agent).Resources);
    }

    [Fact]
    public void FrameworkPastItsFailoverTimeout_HasItsExecutorsShutDown_AndTheirResourcesBack()
    {
        var core = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "x" });
        core.AddAgent(A1, R("cpus:4;mem:1000"), T0);
        core.AddFramework(F1, ["web"], failoverTimeout: TimeSpan.FromSeconds(30));
        var offer = Allocate(core, T0).Single();
        core.Accept(F1, [offer.Id], [WithExecutor("t1", "cpus:1;mem:100", "e1", "cpus:1;mem:100")], TimeSpan.Zero, T0);
        core.StatusUpdate(A1, F1, new TaskId("t1"), TaskState.Finished, Guid.NewGuid(), "");
        Assert.Equal(R("cpus:3;mem:900"), core.AvailableOn(A1)); // the task ended; its executor still runs

        core.DisconnectFramework(F1, T0);
        core.AgentSeen(A1, T0.AddSeconds(30));
        var effects = core.CheckFrameworks(T0.AddSeconds(30));

        Assert.Equal(new StopExecutor(A1, F1, "e1"), Assert.Single(effects.OfType<StopExecutor>()));
        Assert.Equal(R("cpus:4;mem:1000"), core.AvailableOn(A1));
        Assert.Empty(core.Executors);
    }

    [Fact]
    public void Journal_OfALeadershipWithExecutors_ReplaysToTheSameEffects()
    {
        var check = new HealthCheckSpec(HealthCheckKind.Http, "", 8080, "/health", "http", IntervalSeconds: 2);
        var agent = new AgentInfo(A1, "host-a1", "10.0.0.1:5051", "cpus:4;mem:1024", new Dictionary<string, string>());
        var info = new FrameworkInfo("fw", "root", ["web"], ["PARTITION_AWARE"], null, null, null);
        var launch = WithExecutor("t1", "cpus:1;mem:128", "e1", "cpus:0.5;mem:64") with { HealthCheck = check };
        MasterInput[] inputs =
        [
            new LeadershipStarted([A1], TimeSpan.FromSeconds(60), [new RecoveredFramework(F1, ["web"], true, TimeSpan.FromMinutes(1), null)]),
            new AgentReregistering(agent, [], InRegistry: true, WasUnreachable: false)
            {
                Executors = [new ReportedExecutor(F1, "web", new ExecutorLaunch("e0", "e0", "./e0", R("cpus:0.25;mem:32")))],
            },
            new SubscribeFramework(F1, info, TimeSpan.FromMinutes(1), Known: true),
            new CoreTick(new Dictionary<string, double>(), new Dictionary<string, RoleQuota>()),
            new AcceptOffers(F1, [new OfferId("j-O1")], [launch], TimeSpan.Zero),
            new AgentStatusUpdate(A1, F1, new TaskId("t1"), TaskState.Running, Guid.NewGuid(), "")
            {
                Reason = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED",
                Details = new UpdateDetails("e1", true, [1, 2], "SOURCE_EXECUTOR"),
            },
            new ExecutorMessageReceived(A1, F1, "e1", [7]),
            new FrameworkMessage(F1, A1, "e1", [8]),
            new ShutdownExecutorCall(F1, "e1", A1),
            new ExecutorTerminated(A1, F1, "e1", 0),
            new TeardownFramework(F1),
        ];
        var journal = new MemoryStream();
        var live = new MasterCore(new MasterCoreOptions { OfferIdPrefix = "j" });
        var effects = new List<Effect>();
        using (var writer = new JournalWriter(journal, term: 3, new MasterCoreOptions { OfferIdPrefix = "j" }))
            foreach (var (input, i) in inputs.Select((input, i) => (input, i)))
            {
                var decided = live.Handle(input, T0.AddSeconds(i));
                effects.AddRange(decided);
                writer.Decided(T0.AddSeconds(i), input, decided);
            }
        // The launch carried its executor and health check, and every executor effect came out.
        var launched = Assert.Single(effects.OfType<LaunchTask>());
        Assert.Equal((launch.Executor, check), (launched.Task.Executor, launched.Task.HealthCheck));
        Assert.Single(effects.OfType<SendFrameworkMessage>());
        Assert.Single(effects.OfType<ExecutorLost>());
        Assert.Equal(["e1", "e0"], effects.OfType<StopExecutor>().Select(s => s.Executor));

        var replay = MasterReplay.Run(new MemoryStream(journal.ToArray()));
        Assert.Equal((inputs.Length, inputs.Length), (replay.Inputs, replay.Checked));
        Assert.Null(replay.DivergedAt);
        var (_, entries) = InputJournal.Read(new MemoryStream(journal.ToArray()));
        var read = entries.Select(e => e.Input).ToArray();
        Assert.Equal(launch.HealthCheck, Assert.IsType<AcceptOffers>(read[4]).Launches.Single().HealthCheck);
        Assert.Equal("e0", Assert.Single(Assert.IsType<AgentReregistering>(read[1]).Executors).Executor.Id);
        Assert.Equal("SOURCE_EXECUTOR", Assert.IsType<AgentStatusUpdate>(read[5]).Details?.Source);
    }
}
