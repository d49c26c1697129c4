using System.Text.Json;
using Mesos.HA.Master.Operator;
using Mesos.HA.Master.Security;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>/master/frameworks, /master/tasks and /master/state-summary as a principal with view ACLs sees them (the fixtures of <see cref="ViewFilterTests"/>).</summary>
public class StateListsJsonTests
{
    private static readonly ViewPermissions Alice = ViewPermissions.Of(ViewFilterTests.ViewAcls, "a")!;

    [Fact]
    public void FrameworksAndTasks_ListOnlyWhatThePrincipalMayView()
    {
        using var frameworks = JsonDocument.Parse(StateListsJson.Frameworks(ViewFilterTests.TwoFrameworks(), ViewFilterTests.Core(), Alice));
        Assert.Equal(["f-alice"], frameworks.RootElement.GetProperty("frameworks").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        using var tasks = JsonDocument.Parse(StateListsJson.Tasks(ViewFilterTests.TwoFrameworks(), ViewFilterTests.Core(), Alice, limit: 100, offset: 0));
        Assert.Equal(["ta", "done-a"], tasks.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        using var everything = JsonDocument.Parse(StateListsJson.Tasks(ViewFilterTests.TwoFrameworks(), ViewFilterTests.Core(), null, limit: 2, offset: 1));
        Assert.Equal(["tb", "done-a"], everything.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
    }

    [Fact]
    public void StateSummary_HidesFrameworksAndTheirIdsOnAgents_ButCountsEveryTaskOnAnAgent()
    {
        using var summary = JsonDocument.Parse(StateSummaryJson.Write("m1", ViewFilterTests.TwoFrameworks(), ViewFilterTests.Core(), Alice));
        var agent = summary.RootElement.GetProperty("slaves").EnumerateArray().Single();
        Assert.Equal(["f-alice"], agent.GetProperty("framework_ids").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(2, agent.GetProperty("TASK_RUNNING").GetInt32());
        Assert.Equal(3, agent.GetProperty("TASK_FINISHED").GetInt32());
        var framework = summary.RootElement.GetProperty("frameworks").EnumerateArray().Single();
        Assert.Equal("f-alice", framework.GetProperty("id").GetString());
        Assert.Equal((1, 1), (framework.GetProperty("TASK_RUNNING").GetInt32(), framework.GetProperty("TASK_FINISHED").GetInt32()));
        Assert.Equal(["a1"], framework.GetProperty("slave_ids").EnumerateArray().Select(a => a.GetString()));

        using var whole = JsonDocument.Parse(StateSummaryJson.Write("m1", ViewFilterTests.TwoFrameworks(), ViewFilterTests.Core(), null));
        Assert.Equal(2, whole.RootElement.GetProperty("frameworks").GetArrayLength());
    }
}
