using System.Text;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Scheduler;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;
using Xunit;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// The events' wire text, byte for byte: each golden was captured from the hand-written writer
/// before the events were written through the shared contracts. Field names, order, omissions,
/// number formats and escapes must stay as they were.
/// </summary>
public sealed class SchedulerEventJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, 500, TimeSpan.Zero);

    private const string Subscribed = """
        {"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f-1"},"heartbeat_interval_seconds":15}}
        """;

    private const string SubscribedSubSecondHeartbeat = """
        {"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f-1"},"heartbeat_interval_seconds":0.25}}
        """;

    private const string Offers = """
        {"type":"OFFERS","offers":{"offers":[{"id":{"value":"o-1"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-1"},"hostname":"host-1","url":{"scheme":"http","address":{"hostname":"host-1","ip":"10.0.0.1","port":5051},"path":"/slave(1)"},"resources":[{"name":"cpus","type":"SCALAR","allocation_info":{"role":"web"},"scalar":{"value":1.5}},{"name":"cpus","type":"SCALAR","reservations":[{"type":"STATIC","role":"web"}],"allocation_info":{"role":"web"},"scalar":{"value":2}},{"name":"mem","type":"SCALAR","allocation_info":{"role":"web"},"scalar":{"value":512}},{"name":"ports","type":"RANGES","allocation_info":{"role":"web"},"ranges":{"range":[{"begin":31000,"end":31005},{"begin":32000,"end":32000}]}},{"name":"gpus","type":"SET","allocation_info":{"role":"web"},"set":{"item":["a","b"]}}],"allocation_info":{"role":"web"}},{"id":{"value":"o-2"},"framework_id":{"value":"f-1"},"agent_id":{"value":"a-1"},"hostname":"host-1","url":{"scheme":"http","address":{"hostname":"host-1","ip":"10.0.0.1","port":5051},"path":"/slave(1)"},"resources":[{"name":"mem","type":"SCALAR","allocation_info":{"role":"*"},"scalar":{"value":64}}],"allocation_info":{"role":"*"}}]}}
        """;

    private const string Rescind = """
        {"type":"RESCIND","rescind":{"offer_id":{"value":"o-1"}}}
        """;

    private const string UpdateFromAgent = """
        {"type":"UPDATE","update":{"status":{"task_id":{"value":"t-1"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","agent_id":{"value":"a-1"},"message":"started \u0022ok\u0022 \u003C\u00E9\u003E","uuid":"PC0eD1pLeGmHlqW0w9Lh8A==","timestamp":1796040000.5}}}
        """;

    private const string UpdateFromMaster = """
        {"type":"UPDATE","update":{"status":{"task_id":{"value":"t-2"},"state":"TASK_DROPPED","source":"SOURCE_MASTER","message":"unknown offer","reason":"REASON_INVALID_OFFERS","timestamp":1796040000.5}}}
        """;

    private const string UpdateBare = """
        {"type":"UPDATE","update":{"status":{"task_id":{"value":"t-3"},"state":"TASK_LOST","source":"SOURCE_MASTER","timestamp":1796040000.5}}}
        """;

    private const string UpdateFromCustomExecutor = """
        {"type":"UPDATE","update":{"status":{"task_id":{"value":"t-4"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","agent_id":{"value":"a-1"},"reason":"REASON_TASK_HEALTH_CHECK_STATUS_UPDATED","uuid":"PC0eD1pLeGmHlqW0w9Lh8A==","timestamp":1796040000.5,"executor_id":{"value":"e-1"},"healthy":false,"data":"AQL/"}}}
        """;

    private const string UpdateFromAgentAboutItsExecutor = """
        {"type":"UPDATE","update":{"status":{"task_id":{"value":"t-5"},"state":"TASK_FAILED","source":"SOURCE_AGENT","agent_id":{"value":"a-1"},"reason":"REASON_EXECUTOR_TERMINATED","uuid":"PC0eD1pLeGmHlqW0w9Lh8A==","timestamp":1796040000.5,"executor_id":{"value":"e-1"}}}}
        """;

    private const string ExecutorMessage = """
        {"type":"MESSAGE","message":{"agent_id":{"value":"a-1"},"executor_id":{"value":"e-1"},"data":"aGk="}}
        """;

    private const string ExecutorFailure = """
        {"type":"FAILURE","failure":{"agent_id":{"value":"a-1"},"executor_id":{"value":"e-1"},"status":137}}
        """;

    private const string Error = """
        {"type":"ERROR","error":{"message":"Framework was torn down"}}
        """;

    private const string AgentFailure = """
        {"type":"FAILURE","failure":{"agent_id":{"value":"a-1"}}}
        """;

    private const string Heartbeat = """
        {"type":"HEARTBEAT"}
        """;

    private static Offer Offer() => new(new OfferId("o-1"), new FrameworkId("f-1"), new AgentId("a-1"), "web",
        ResourceText.Parse("cpus:1.5;cpus(web):2;mem:512;ports:[31000-31005,32000-32000];gpus:{a,b}"), At);

    public static TheoryData<string, string> Events() => new()
    {
        { Text(SchedulerEventJson.Subscribed(new FrameworkId("f-1"), TimeSpan.FromSeconds(15))), Subscribed },
        { Text(SchedulerEventJson.Subscribed(new FrameworkId("f-1"), TimeSpan.FromMilliseconds(250))), SubscribedSubSecondHeartbeat },
        {
            Text(SchedulerEventJson.Offers([Offer(), Offer() with { Id = new OfferId("o-2"), Role = "*", Resources = ResourceText.Parse("mem:64") }],
                _ => new AgentAddress("host-1", "10.0.0.1", 5051))),
            Offers
        },
        { Text(SchedulerEventJson.Rescind(new OfferId("o-1"))), Rescind },
        {
            Text(SchedulerEventJson.Update(new TaskId("t-1"), new AgentId("a-1"), TaskState.Running, new Guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
                "started \"ok\" <é>", "", At)),
            UpdateFromAgent
        },
        { Text(SchedulerEventJson.Update(new TaskId("t-2"), null, TaskState.Dropped, null, "unknown offer", "REASON_INVALID_OFFERS", At)), UpdateFromMaster },
        { Text(SchedulerEventJson.Update(new TaskId("t-3"), null, TaskState.Lost, null, "", "", At)), UpdateBare },
        {
            Text(SchedulerEventJson.Update(new TaskId("t-4"), new AgentId("a-1"), TaskState.Running, new Guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
                "", "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED", At, new UpdateDetails("e-1", false, [1, 2, 255], "SOURCE_EXECUTOR"))),
            UpdateFromCustomExecutor
        },
        {
            Text(SchedulerEventJson.Update(new TaskId("t-5"), new AgentId("a-1"), TaskState.Failed, new Guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
                "", "REASON_EXECUTOR_TERMINATED", At, new UpdateDetails("e-1"))),
            UpdateFromAgentAboutItsExecutor
        },
        { Text(SchedulerEventJson.Message(new AgentId("a-1"), "e-1", "hi"u8.ToArray())), ExecutorMessage },
        { Text(SchedulerEventJson.ExecutorFailure(new AgentId("a-1"), "e-1", 137)), ExecutorFailure },
        { Text(SchedulerEventJson.Error("Framework was torn down")), Error },
        { Text(SchedulerEventJson.AgentFailure(new AgentId("a-1"))), AgentFailure },
        { Text(SchedulerEventJson.Heartbeat()), Heartbeat },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void Events_AreWrittenAsBeforeTheContracts(string written, string golden) => Assert.Equal(golden, written);

    [Theory]
    [MemberData(nameof(Events))]
    public void Events_ReadBackThroughTheContracts_AndWriteTheSameText(string written, string golden)
    {
        var e = V1.TolerantJson.Read(Encoding.UTF8.GetBytes(written), V1.SchedulerJsonContext.Default.Event);
        Assert.NotNull(e);
        Assert.Equal(golden, Text(V1.SchedulerJsonContext.Write(e)));
    }

    private static string Text(byte[] json) => Encoding.UTF8.GetString(json);
}
