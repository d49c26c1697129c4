using System.Text.Json;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Operator.V1;
using Mesos.HA.Master.Security;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Protocol.Security;
using Xunit;
using Registry = Mesos.HA.Replication.Registry.Registry;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// Mesos' view ACLs as a pure filter of the state: what a principal may not view is absent (never an
/// error), agents and counts stay whole, and without ACLs nothing is built or filtered at all.
/// </summary>
public class ViewFilterTests
{
    private static readonly FrameworkId Alice = new("f-alice");
    private static readonly FrameworkId Bob = new("f-bob");
    private static readonly AgentId A1 = new("a1");

    /// <summary>Principal "a" may view what runs as user "alice"; "ops" sees everything; tasks of "bob" are hidden from everyone but ops.</summary>
    internal static readonly Acls ViewAcls = Acls.Parse("""
        {"permissive": false,
         "view_frameworks": [{"principals": {"values": ["a"]}, "users": {"values": ["alice"]}},
                             {"principals": {"values": ["ops"]}, "users": {"type": "ANY"}}],
         "view_tasks": [{"principals": {"values": ["a"]}, "users": {"values": ["alice"]}},
                        {"principals": {"values": ["ops"]}, "users": {"type": "ANY"}}],
         "view_executors": [{"principals": {"values": ["ops"]}, "users": {"type": "ANY"}}]}
        """, "test");

    internal static Registry TwoFrameworks() => Registry.Empty
        .Apply(new AdmitAgent(new AgentInfo(A1, "h", "h:5051", "cpus:4", new Dictionary<string, string>()), 1)).Next
        .Apply(new AddFramework(Alice, new FrameworkInfo("fa", "alice", ["*"], [], "a", null, null), 60_000, 1)).Next
        .Apply(new AddFramework(Bob, new FrameworkInfo("fb", "bob", ["*"], [], "b", null, null), 60_000, 1)).Next;

    private static TrackedTask Task(string id, FrameworkId framework, TaskState state = TaskState.Running) =>
        new(new TaskId(id), framework, A1, "*", ResourceText.Parse("cpus:1"), state) { Executor = "e-" + id };

    internal static CoreView Core() => new(
        [new AgentView(A1, ResourceText.Parse("cpus:4"), ResourceText.Parse("cpus:2"), Resources.Empty)],
        [new FrameworkView(Alice, ["*"], true, Resources.Empty, Resources.Empty), new FrameworkView(Bob, ["*"], true, Resources.Empty, Resources.Empty)],
        [Task("ta", Alice), Task("tb", Bob)],
        [Task("done-a", Alice, TaskState.Finished), Task("done-b", Bob, TaskState.Finished), Task("orphan", new FrameworkId("gone"), TaskState.Finished)],
        OutstandingOffers: 3)
    {
        Executors =
        [
            new TrackedExecutor(A1, Alice, "*", new ExecutorLaunch("ea", "ea", "x", Resources.Empty)),
            new TrackedExecutor(A1, Bob, "*", new ExecutorLaunch("eb", "eb", "x", Resources.Empty)),
        ],
    };

    [Fact]
    public void NoAcls_BuildNoPermissions_SoNothingIsFiltered()
    {
        Assert.Null(ViewPermissions.Of(Acls.AllowAll, "a"));
        Assert.Null(ViewPermissions.Of(Acls.AllowAll, null));
        // Rules only for other actions, permissive: still nothing to filter.
        Assert.Null(ViewPermissions.Of(Acls.Parse("""{"run_tasks": [{"principals": {"type": "ANY"}, "users": {"type": "NONE"}}]}""", "t"), "a"));
        // An allowing view rule in a permissive document refuses no one either.
        Assert.Null(ViewPermissions.Of(Acls.Parse("""{"view_tasks": [{"principals": {"values": ["a"]}, "users": {"type": "ANY"}}]}""", "t"), "a"));
        Assert.NotNull(ViewPermissions.Of(ViewAcls, "a"));
    }

    [Fact]
    public void APrincipal_SeesOnlyTheFrameworksTasksAndExecutorsOfTheUsersItMayView_AndEveryAgent()
    {
        var (registry, core) = ViewFilter.Filter(TwoFrameworks(), Core(), ViewPermissions.Of(ViewAcls, "a")!);

        Assert.Equal([Alice], registry.Frameworks.Keys);
        Assert.Equal([A1], registry.Agents.Keys);
        Assert.Equal([Alice], core!.Frameworks.Select(f => f.Id));
        Assert.Equal(["ta"], core.Tasks.Select(t => t.Id.Value));
        Assert.Equal(["done-a"], core.CompletedTasks.Select(t => t.Id.Value));
        Assert.Empty(core.Executors); // view_executors allows only ops
        Assert.Single(core.Agents);
        Assert.Equal(3, core.OutstandingOffers); // counts are not filtered
    }

    [Fact]
    public void AnUnauthenticatedReader_WithNoRuleAndNotPermissive_SeesNoFrameworkButTheWholeCluster()
    {
        var (registry, core) = ViewFilter.Filter(TwoFrameworks(), Core(), ViewPermissions.Of(ViewAcls, null)!);
        Assert.Empty(registry.Frameworks);
        Assert.Single(registry.Agents);
        Assert.Empty(core!.Tasks);
        Assert.Empty(core.CompletedTasks);
        Assert.Empty(core.Executors);
    }

    [Fact]
    public void AnOperatorAllowedAnyUser_SeesEverything_TasksOfAFrameworkNoLongerHeldIncluded()
    {
        var whole = TwoFrameworks();
        var (registry, core) = ViewFilter.Filter(whole, Core(), ViewPermissions.Of(ViewAcls, "ops")!);
        Assert.Same(whole, registry);
        Assert.Equal(["ta", "tb"], core!.Tasks.Select(t => t.Id.Value));
        Assert.Equal(["done-a", "done-b", "orphan"], core.CompletedTasks.Select(t => t.Id.Value));
        Assert.Equal(2, core.Executors.Count);
    }

    [Fact]
    public void TasksNeedTheirFrameworkVisibleToo_AndAFollowerWithoutCoreFiltersFrameworksOnly()
    {
        var tasksOnly = Acls.Parse("""
            {"view_frameworks": [{"principals": {"type": "ANY"}, "users": {"values": ["bob"]}}, {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}],
             "view_tasks": [{"principals": {"type": "ANY"}, "users": {"type": "ANY"}}]}
            """, "t");
        var view = ViewPermissions.Of(tasksOnly, "a")!;
        var (_, core) = ViewFilter.Filter(TwoFrameworks(), Core(), view);
        Assert.Equal(["tb"], core!.Tasks.Select(t => t.Id.Value));

        var (followerRegistry, followerCore) = ViewFilter.Filter(TwoFrameworks(), null, view);
        Assert.Equal([Bob], followerRegistry.Frameworks.Keys);
        Assert.Null(followerCore);
    }

    [Fact]
    public void GetState_WrittenFromTheFilteredView_NamesNoHiddenFrameworkTaskOrExecutor()
    {
        var view = ViewFilter.Filter(new OperatorView(TwoFrameworks(), Core()), ViewPermissions.Of(ViewAcls, "a")!);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer)) OperatorJson.WriteState(json, view);
        var text = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.Contains("f-alice", text);
        Assert.DoesNotContain("f-bob", text);
        Assert.DoesNotContain("\"tb\"", text);
        Assert.DoesNotContain("\"eb\"", text);
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal(1, document.RootElement.GetProperty("get_agents").GetProperty("agents").GetArrayLength());
    }

    [Fact]
    public void AnOperatorStream_DropsTheEventsOfFrameworksAndTasksItsPrincipalMayNotView()
    {
        var registry = TwoFrameworks();
        var stream = new OperatorStream(3, new OperatorView(registry, new CoreView([], [], [], [], 0)), ViewPermissions.Of(ViewAcls, "a"));
        stream.Observe(new LaunchTask(A1, Alice, "*", new TaskLaunch(new TaskId("t1"), "t1", ResourceText.Parse("cpus:1"), "true")), registry);
        stream.Observe(new LaunchTask(A1, Bob, "*", new TaskLaunch(new TaskId("t2"), "t2", ResourceText.Parse("cpus:1"), "true")), registry);
        stream.Observe(new ForwardUpdate(Alice, A1, new TaskId("t1"), TaskState.Running, Guid.NewGuid(), ""), registry);
        stream.Observe(new ForwardUpdate(Bob, A1, new TaskId("t2"), TaskState.Running, Guid.NewGuid(), ""), registry);
        stream.Observe(new SendUpdate(Bob, new TaskId("t2"), TaskState.Killed, "REASON_X", "gone"), registry);

        var carol = new FrameworkId("f-carol");
        var next = registry
            .Apply(new AddFramework(carol, new FrameworkInfo("fc", "bob", ["*"], [], "c", null, null), 60_000, 2)).Next
            .Apply(new UpdateFramework(Bob, null, null, FrameworkConnectionChange.Disconnected, 2)).Next
            .Apply(new UpdateFramework(Alice, null, null, FrameworkConnectionChange.Disconnected, 2)).Next;
        stream.Compare(next);
        stream.Compare(next.Apply(new RemoveFramework(Bob)).Next.Apply(new RemoveFramework(Alice)).Next);

        var events = new List<string>();
        while (stream.Events.TryRead(out var json)) events.Add(System.Text.Encoding.UTF8.GetString(json));
        Assert.Equal(["TASK_ADDED", "TASK_UPDATED", "FRAMEWORK_UPDATED", "FRAMEWORK_REMOVED"],
            events.Select(e => JsonDocument.Parse(e).RootElement.GetProperty("type").GetString()));
        Assert.All(events, e => Assert.DoesNotContain("f-bob", e));
        Assert.All(events, e => Assert.DoesNotContain("f-carol", e));
    }
}
