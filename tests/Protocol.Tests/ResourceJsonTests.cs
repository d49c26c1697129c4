using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

using Resources = Mesos.HA.Protocol.Resources.Resources;

public class ResourceJsonTests
{
    private static JsonNode Write(Resources resources, string? role)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer)) ResourceJson.Write(json, resources, role);
        return JsonNode.Parse(buffer.WrittenSpan)!;
    }

    [Fact]
    public void Resources_RoundTripThroughTheMesosShape_WithReservationsAndAllocationInfo()
    {
        var resources = ResourceText.Parse("cpus:1.5;cpus(web):2;mem:512;ports:[31000-31005,32000-32000];gpus:{a,b}");
        var json = Write(resources, "web");
        var cpus = json.AsArray().First(r => r!["name"]!.GetValue<string>() == "cpus" && r["reservations"] is not null)!;
        Assert.Equal("STATIC", cpus["reservations"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("web", cpus["reservations"]![0]!["role"]!.GetValue<string>());
        Assert.Equal("web", cpus["allocation_info"]!["role"]!.GetValue<string>());
        Assert.True(ResourceJson.TryRead(json, out var back, out var error), error);
        Assert.Equal(resources, back);
    }

    [Fact]
    public void LegacyRoleField_NumbersAsStrings_AndMissingTypes_AreRead()
    {
        var json = JsonNode.Parse("""[{"name":"cpus","role":"db","scalar":{"value":"0.25"}},{"name":"ports","ranges":{"range":[{"begin":1,"end":2}]}}]""");
        Assert.True(ResourceJson.TryRead(json, out var resources, out var error), error);
        Assert.Equal(ResourceText.Parse("cpus(db):0.25;ports:[1-2]"), resources);
    }

    [Theory]
    [InlineData("""{"name":"cpus"}""", "must be a list")]
    [InlineData("""[{"type":"SCALAR","scalar":{"value":1}}]""", "resources[0]: has no name")]
    [InlineData("""[{"name":"cpus","scalar":{"value":-1}}]""", "non-negative")]
    [InlineData("""[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":5,"end":2}]}}]""", "begin <= end")]
    [InlineData("""[{"name":"x","type":"TEXT"}]""", "unknown type TEXT")]
    public void BadResources_AreRefused_NamingTheEntry(string text, string expected)
    {
        Assert.False(ResourceJson.TryRead(JsonNode.Parse(text), out _, out var error));
        Assert.Contains(expected, error);
    }
}
