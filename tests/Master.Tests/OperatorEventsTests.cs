using System.Text.Json;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Operator.V1;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Registry = Mesos.HA.Replication.Registry.Registry;

namespace Mesos.HA.Master.Tests;

/// <summary>The operator stream's events from the leader's effects and the registry: each change once, nothing from another term.</summary>
public class OperatorEventsTests
{
    private static readonly FrameworkId F1 = new("f1");
    private static readonly AgentId A1 = new("a1");

    private static CoreView Core(params TrackedTask[] tasks) => new([], [], tasks, [], 0);

    private static string[] Drain(OperatorStream stream)
    {
        var types = new List<string>();
        while (stream.Events.TryRead(out var json)) types.Add(JsonDocument.Parse(json).RootElement.GetProperty("type").GetString()!);
        return [.. types];
    }

    private static LaunchTask Launch(string task) => new(A1, F1, "*", new TaskLaunch(new TaskId(task), task, ResourceText.Parse("cpus:1"), "true"));

    private static ForwardUpdate Update(string task, TaskState state) => new(F1, A1, new TaskId(task), state, Guid.NewGuid(), "");

    [Fact]
    public async Task EachTaskChange_IsOneEvent_AndTasksInTheSubscribedStateAreNotAddedAgain()
    {
        var time = new FakeTimeProvider();
        await using var events = new OperatorEvents(() => Registry.Empty, () => 3, time, TimeSpan.FromSeconds(15));
        var known = new TrackedTask(new TaskId("old"), F1, A1, "*", ResourceText.Parse("cpus:1"), TaskState.Running);
        var stream = events.Add(3, new OperatorView(Registry.Empty, Core(known)));

        events.Observe(3, Launch("old"));                       // already in SUBSCRIBED's state
        events.Observe(3, Update("old", TaskState.Running));    // no change
        events.Observe(3, Launch("t1"));
        events.Observe(3, Launch("t1"));                        // a launch sent twice
        events.Observe(3, Update("t1", TaskState.Running));
        events.Observe(3, Update("t1", TaskState.Running));     // resent before its acknowledgement
        events.Observe(2, Update("t1", TaskState.Finished));    // an effect of an older term
        events.Observe(3, new SendUpdate(F1, new TaskId("t1"), TaskState.Killed, "REASON_X", "gone"));
        Assert.Equal(["TASK_ADDED", "TASK_UPDATED", "TASK_UPDATED"], Drain(stream));
    }

    [Fact]
    public async Task AgentsAndFrameworks_AreComparedWithTheRegistryTheStreamLastSaw_AndAStreamOfAnotherTermEnds()
    {
        var time = new FakeTimeProvider();
        var registry = Registry.Empty;
        long? term = 3;
        await using var events = new OperatorEvents(() => registry, () => term, time, TimeSpan.FromSeconds(15));
        var stream = events.Add(3, new OperatorView(registry, Core()));
        var info = new AgentInfo(A1, "h", "h:5051", "cpus:2", new Dictionary<string, string>());
        registry = registry.Apply(new AdmitAgent(info, 1)).Next
            .Apply(new AddFramework(F1, new FrameworkInfo("fw", "u", ["*"], [], null, null, null), 60_000, 1)).Next;

        // The watcher runs on the fake clock: the clock moves one watch interval per poll until the events come
        // (an advance made while the watcher is between two waits would otherwise be lost), and one comparison's
        // events are awaited together (they may be read while the watcher is still writing them).
        async Task Next(params string[] expected)
        {
            var seen = new List<string>();
            await Poll.UntilAsync($"the watcher reports {string.Join(", ", expected)}", () =>
            {
                seen.AddRange(Drain(stream));
                if (seen.Count == 0) time.Advance(OperatorEvents.WatchInterval);
                return seen.Count >= expected.Length;
            }, TimeSpan.FromSeconds(10), () => string.Join(", ", seen));
            seen.AddRange(Drain(stream));
            Assert.Equal(expected, seen);
        }

        await Next("AGENT_ADDED", "FRAMEWORK_ADDED");
        registry = registry.Apply(new MarkAgentUnreachable(A1, 2)).Next
            .Apply(new UpdateFramework(F1, null, null, FrameworkConnectionChange.Disconnected, 2)).Next;
        await Next("AGENT_REMOVED", "FRAMEWORK_UPDATED");
        registry = registry.Apply(new RemoveFramework(F1)).Next;
        await Next("FRAMEWORK_REMOVED");
        await Next("HEARTBEAT"); // nothing changes: the next event is the heartbeat, 15 s on

        term = 4; // this master now leads a later term (or none): the stream ends and its client subscribes again
        await Poll.UntilAsync("the stream of the old term ends", () =>
        {
            time.Advance(OperatorEvents.WatchInterval);
            return stream.Closed.IsCancellationRequested;
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(0, events.Count);
    }
}
