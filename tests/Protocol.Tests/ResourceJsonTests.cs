using System.Text;
using System.Text.Json.Nodes;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Resources;
using Xunit;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Protocol.Tests;

using Resources = Mesos.HA.Protocol.Resources.Resources;

public class ResourceJsonTests
{
    /// <summary>The resources as a task carries them on the wire.</summary>
    private static JsonNode Write(Resources resources, string? role)
    {
        var call = new V1.Call { Type = "ACCEPT", Accept = new() { Operations = [new() { Launch = new() { TaskInfos = [new() { Resources = ResourceJson.ToContract(resources, role) }] } }] } };
        return JsonNode.Parse(V1.SchedulerJsonContext.Write(call))!["accept"]!["operations"]![0]!["launch"]!["task_infos"]![0]!["resources"]!;
    }

    /// <summary>Reads a resource list as the master reads a task's, tolerantly.</summary>
    private static V1.TaskInfo Read(string resources, List<string>? wrongKinds = null) =>
        V1.TolerantJson.Read(Encoding.UTF8.GetBytes($$"""{"resources": {{resources}}}"""), V1.SchedulerJsonContext.Default.TaskInfo, wrongKinds)!;

    [Fact]
    public void Resources_RoundTripThroughTheMesosShape_WithReservationsAndAllocationInfo()
    {
        var resources = ResourceText.Parse("cpus:1.5;cpus(web):2;mem:512;ports:[31000-31005,32000-32000];gpus:{a,b}");
        var json = Write(resources, "web");
        var cpus = json.AsArray().First(r => r!["name"]!.GetValue<string>() == "cpus" && r["reservations"] is not null)!;
        Assert.Equal("STATIC", cpus["reservations"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("web", cpus["reservations"]![0]!["role"]!.GetValue<string>());
        Assert.Equal("web", cpus["allocation_info"]!["role"]!.GetValue<string>());
        Assert.True(ResourceJson.TryRead(Read(json.ToJsonString()).Resources, out var back, out var error), error);
        Assert.Equal(resources, back);
    }

    [Fact]
    public void LegacyRoleField_NumbersAsStrings_AndMissingTypes_AreRead()
    {
        var task = Read("""[{"name":"cpus","role":"db","scalar":{"value":"0.25"}},{"name":"ports","ranges":{"range":[{"begin":1,"end":"2.0"}]}}]""");
        Assert.True(ResourceJson.TryRead(task.Resources, out var resources, out var error), error);
        Assert.Equal(ResourceText.Parse("cpus(db):0.25;ports:[1-2]"), resources);
    }

    [Fact]
    public void NotAList_IsReportedAsTheWrongKind()
    {
        var wrongKinds = new List<string>();
        Assert.Null(Read("""{"name":"cpus"}""", wrongKinds).Resources);
        Assert.Equal(["resources"], wrongKinds);
    }

    [Theory]
    [InlineData("""[{"type":"SCALAR","scalar":{"value":1}}]""", "resources[0]: has no name")]
    [InlineData("""[{"name":"cpus","scalar":{"value":-1}}]""", "non-negative")]
    [InlineData("""[{"name":"cpus","scalar":{"value":"lots"}}]""", "non-negative")]
    [InlineData("""[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":5,"end":2}]}}]""", "begin <= end")]
    [InlineData("""[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1.5,"end":2}]}}]""", "begin <= end")]
    [InlineData("""[{"name":"g","type":"SET","set":{"item":["a",1]}}]""", "set items must be strings")]
    [InlineData("""[{"name":"x","type":"TEXT"}]""", "unknown type TEXT")]
    [InlineData("""[7]""", "resources[0]: must be an object")]
    public void BadResources_AreRefused_NamingTheEntry(string text, string expected)
    {
        Assert.False(ResourceJson.TryRead(Read(text).Resources, out _, out var error));
        Assert.Contains(expected, error);
    }
}
