using System.Text;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;
using Xunit;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// The driver's calls, byte for byte as they go out (body of the POST): each golden was captured
/// from the hand-built JSON before the calls were built from the shared contracts. And every call
/// and event reads back through the contracts into the same text.
/// </summary>
public sealed class SchedulerJsonTests
{
    private const string SubscribeFirst = """
        {"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"fw","failover_timeout":0,"role":"*"}}}
        """;

    private const string SubscribeAgainMultiRole = """
        {"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"fw","failover_timeout":300,"roles":["a","b"],"capabilities":[{"type":"PARTITION_AWARE"},{"type":"MULTI_ROLE"}],"id":{"value":"f-1"},"principal":"p","hostname":"h"}},"framework_id":{"value":"f-1"}}
        """;

    private const string SubscribeMultiRoleCapability = """
        {"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"fw","failover_timeout":1.25,"roles":["a"],"capabilities":[{"type":"MULTI_ROLE"}]}}}
        """;

    private const string AcceptLaunch = """
        {"type":"ACCEPT","accept":{"offer_ids":[{"value":"o-1"},{"value":"o-2"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"task one","task_id":{"value":"t-1"},"agent_id":{"value":"a-1"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.5}},{"name":"cpus","type":"SCALAR","reservations":[{"type":"STATIC","role":"web"}],"scalar":{"value":1}},{"name":"mem","type":"SCALAR","scalar":{"value":64}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001}]}},{"name":"gpus","type":"SET","set":{"item":["a"]}}],"command":{"value":"echo \u0022hi\u0022 \u0026\u0026 sleep 1","shell":true}}]}}],"filters":{"refuse_seconds":5}},"framework_id":{"value":"f-1"}}
        """;

    private const string AcceptWithExecutor = """
        {"type":"ACCEPT","accept":{"offer_ids":[{"value":"o-1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"task two","task_id":{"value":"t-2"},"agent_id":{"value":"a-1"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}],"executor":{"type":"CUSTOM","executor_id":{"value":"e-1"},"command":{"value":"./executor --fast","shell":true},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.25}},{"name":"mem","type":"SCALAR","scalar":{"value":32}}],"name":"my executor"},"health_check":{"type":"HTTP","delay_seconds":15,"interval_seconds":2,"timeout_seconds":20,"consecutive_failures":3,"grace_period_seconds":10,"http":{"port":8080,"path":"/health","scheme":"http"}}}]}}]},"framework_id":{"value":"f-1"}}
        """;

    private const string AcceptNothing = """
        {"type":"ACCEPT","accept":{"offer_ids":[{"value":"o-1"}],"operations":[]},"framework_id":{"value":"f-1"}}
        """;

    private const string DeclineFiltered = """
        {"type":"DECLINE","decline":{"offer_ids":[{"value":"o-1"}],"filters":{"refuse_seconds":0.5}},"framework_id":{"value":"f-1"}}
        """;

    private const string DeclineMany = """
        {"type":"DECLINE","decline":{"offer_ids":[{"value":"o-1"},{"value":"o-2"},{"value":"o-3"}],"filters":{"refuse_seconds":60}},"framework_id":{"value":"f-1"}}
        """;

    private const string Decline = """
        {"type":"DECLINE","decline":{"offer_ids":[{"value":"o-1"}]},"framework_id":{"value":"f-1"}}
        """;

    private const string ReviveAll = """
        {"type":"REVIVE","revive":{"roles":[]},"framework_id":{"value":"f-1"}}
        """;

    private const string SuppressRoles = """
        {"type":"SUPPRESS","suppress":{"roles":["a","b"]},"framework_id":{"value":"f-1"}}
        """;

    private const string KillOnAgent = """
        {"type":"KILL","kill":{"task_id":{"value":"t-1"},"agent_id":{"value":"a-1"}},"framework_id":{"value":"f-1"}}
        """;

    private const string Kill = """
        {"type":"KILL","kill":{"task_id":{"value":"t-1"}},"framework_id":{"value":"f-1"}}
        """;

    private const string Acknowledge = """
        {"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"a-1"},"task_id":{"value":"t-1"},"uuid":"Dx4tPEtaaXiHlqW0w9Lh8A=="},"framework_id":{"value":"f-1"}}
        """;

    private const string ReconcileExplicit = """
        {"type":"RECONCILE","reconcile":{"tasks":[{"task_id":{"value":"t-1"},"agent_id":{"value":"a-1"}},{"task_id":{"value":"t-2"}}]},"framework_id":{"value":"f-1"}}
        """;

    private const string ReconcileImplicit = """
        {"type":"RECONCILE","reconcile":{"tasks":[]},"framework_id":{"value":"f-1"}}
        """;

    private const string Message = """
        {"type":"MESSAGE","message":{"agent_id":{"value":"a-1"},"executor_id":{"value":"e-1"},"data":"AQID\u002Bg=="},"framework_id":{"value":"f-1"}}
        """;

    private const string Teardown = """
        {"type":"TEARDOWN","framework_id":{"value":"f-1"}}
        """;

    private static readonly TaskInfo Task = new("t-1", "task one", "a-1", ResourceText.Parse("cpus:0.5;cpus(web):1;mem:64;ports:[31000-31001];gpus:{a}"), "echo \"hi\" && sleep 1");
    private static readonly TaskInfo TaskWithExecutor = new("t-2", "task two", "a-1", ResourceText.Parse("cpus:1"), "")
    {
        Executor = new ExecutorInfo("e-1", "./executor --fast", ResourceText.Parse("cpus:0.25;mem:32"), "my executor"),
        HealthCheck = new HealthCheckSpec(HealthCheckKind.Http, "", 8080, "/health", "http", IntervalSeconds: 2),
    };

    private static readonly TaskUpdate Update = new("t-1", TaskState.Running, "a-1", "", "", "SOURCE_EXECUTOR", "Dx4tPEtaaXiHlqW0w9Lh8A==", 1.5);

    private static string Subscribe(FrameworkInfo info, string? id) => Text(SchedulerConnection.SubscribeBody(SchedulerJson.Info(info, id)));

    private static string Sent(V1.Call call) => Text(SchedulerConnection.CallBody(call, "f-1"));

    public static TheoryData<string, string> Calls() => new()
    {
        { Subscribe(new FrameworkInfo { Name = "fw", User = "u" }, null), SubscribeFirst },
        {
            Subscribe(new FrameworkInfo
            {
                Name = "fw", User = "u", Roles = ["a", "b"], FailoverTimeout = TimeSpan.FromMinutes(5), Principal = "p", Hostname = "h", Capabilities = ["PARTITION_AWARE"],
            }, "f-1"),
            SubscribeAgainMultiRole
        },
        { Subscribe(new FrameworkInfo { Name = "fw", User = "u", Roles = ["a"], Capabilities = ["MULTI_ROLE"], FailoverTimeout = TimeSpan.FromSeconds(1.25) }, null), SubscribeMultiRoleCapability },
        { Sent(SchedulerJson.Accept(["o-1", "o-2"], [Task], new Filters(TimeSpan.FromSeconds(5)))), AcceptLaunch },
        { Sent(SchedulerJson.Accept(["o-1"], [TaskWithExecutor], null)), AcceptWithExecutor },
        { Sent(SchedulerJson.Accept(["o-1"], [], null)), AcceptNothing },
        { Sent(SchedulerJson.Decline(["o-1"], new Filters(TimeSpan.FromSeconds(0.5)))), DeclineFiltered },
        { Sent(SchedulerJson.Decline(["o-1"], null)), Decline },
        { Sent(SchedulerJson.Decline(["o-1", "o-2", "o-3"], new Filters(TimeSpan.FromSeconds(60)))), DeclineMany },
        { Sent(SchedulerJson.Revive(null)), ReviveAll },
        { Sent(SchedulerJson.Suppress(["a", "b"])), SuppressRoles },
        { Sent(SchedulerJson.Kill("t-1", "a-1")), KillOnAgent },
        { Sent(SchedulerJson.Kill("t-1", null)), Kill },
        { Sent(SchedulerJson.Acknowledge(Update)), Acknowledge },
        { Sent(SchedulerJson.Reconcile([("t-1", "a-1"), ("t-2", null)])), ReconcileExplicit },
        { Sent(SchedulerJson.Reconcile([])), ReconcileImplicit },
        { Sent(SchedulerJson.Message("e-1", "a-1", [1, 2, 3, 250])), Message },
        { Sent(SchedulerJson.Teardown()), Teardown },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void Calls_AreSentAsBeforeTheContracts(string sent, string golden) => Assert.Equal(golden, sent);

    [Theory]
    [MemberData(nameof(Calls))]
    public void Calls_ReadBackThroughTheContracts_AndWriteTheSameText(string sent, string golden)
    {
        var call = V1.TolerantJson.Read(Encoding.UTF8.GetBytes(sent), V1.SchedulerJsonContext.Default.Call);
        Assert.NotNull(call);
        Assert.Equal(golden, Text(V1.SchedulerJsonContext.Write(call)));
    }

    /// <summary>The MESSAGE event (an executor's message, passed on by the master) in its Mesos shape, read by the driver.</summary>
    private const string MessageEvent = """
        {"type":"MESSAGE","message":{"agent_id":{"value":"a-1"},"executor_id":{"value":"e-1"},"data":"AQID\u002Bg=="}}
        """;

    [Fact]
    public void MessageEvent_RoundTripsThroughTheContracts()
    {
        var e = V1.TolerantJson.Read(Encoding.UTF8.GetBytes(MessageEvent), V1.SchedulerJsonContext.Default.Event)!;
        Assert.Equal((V1.Event.MessageType, "a-1", "e-1"), (e.Type, e.Message!.AgentId!.Value, e.Message.ExecutorId!.Value));
        Assert.Equal([1, 2, 3, 250], Convert.FromBase64String(e.Message.Data!));
        Assert.Equal(MessageEvent, Text(V1.SchedulerJsonContext.Write(e)));
    }

    [Fact]
    public void Events_AreReadIntoTheModel()
    {
        var offers = V1.TolerantJson.Read("""
            {"type":"OFFERS","offers":{"offers":[{"id":{"value":"o-1"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-1"},"hostname":"h",
             "resources":[{"name":"cpus","type":"SCALAR","reservations":[{"type":"STATIC","role":"web"}],"scalar":{"value":2}},
                          {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31005}]}}],"allocation_info":{"role":"web"}}]}}
            """u8, V1.SchedulerJsonContext.Default.Event)!;
        var offer = SchedulerJson.ReadOffer(offers.Offers!.Offers![0]!);
        Assert.Equal(new Offer("o-1", "f-1", "a-1", "h", ResourceText.Parse("cpus(web):2;ports:[31000-31005]"), "web"), offer);

        var update = V1.TolerantJson.Read("""
            {"type":"UPDATE","update":{"status":{"task_id":{"value":"t-1"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","agent_id":{"value":"a-1"},
             "uuid":"Dx4tPEtaaXiHlqW0w9Lh8A==","timestamp":"1.5"}}}
            """u8, V1.SchedulerJsonContext.Default.Event)!;
        Assert.Equal(Update, SchedulerJson.ReadStatus(update.Update!.Status!));

        var fromExecutor = V1.TolerantJson.Read("""
            {"type":"UPDATE","update":{"status":{"task_id":{"value":"t-1"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","agent_id":{"value":"a-1"},
             "reason":"REASON_TASK_HEALTH_CHECK_STATUS_UPDATED","executor_id":{"value":"e-1"},"healthy":false,"data":"AQL/"}}}
            """u8, V1.SchedulerJsonContext.Default.Event)!;
        var status = SchedulerJson.ReadStatus(fromExecutor.Update!.Status!);
        Assert.Equal(("REASON_TASK_HEALTH_CHECK_STATUS_UPDATED", "e-1", false), (status.Reason, status.ExecutorId, status.Healthy));
        Assert.Equal([1, 2, 255], status.Data);

        var failure = V1.TolerantJson.Read("""{"type":"FAILURE","failure":{"agent_id":{"value":"a-1"},"executor_id":{"value":"e-1"},"status":137}}"""u8,
            V1.SchedulerJsonContext.Default.Event)!;
        Assert.Equal(new Core.FailureEvent("a-1", "e-1", 137), SchedulerJson.ReadEvent(failure));
    }

    private static string Text(byte[] json) => Encoding.UTF8.GetString(json);
}
