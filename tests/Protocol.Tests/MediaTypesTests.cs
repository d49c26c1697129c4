using Mesos.HA.Protocol.Http;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

/// <summary>Content negotiation as Mesos' v1 APIs do it: JSON when acceptable, else protobuf, else 406; bodies JSON or protobuf, else 415.</summary>
public class MediaTypesTests
{
    [Theory]
    [InlineData(null, MessageEncoding.Json)]
    [InlineData("", MessageEncoding.Json)]
    [InlineData("application/json", MessageEncoding.Json)]
    [InlineData("application/x-protobuf", MessageEncoding.Protobuf)]
    [InlineData("*/*", MessageEncoding.Json)]
    [InlineData("application/*", MessageEncoding.Json)]
    [InlineData("application/x-protobuf, application/json;q=0.1", MessageEncoding.Json)]
    [InlineData("text/html, application/x-protobuf;q=0.8", MessageEncoding.Protobuf)]
    [InlineData("application/json;q=0, */*", MessageEncoding.Protobuf)]
    [InlineData("application/json;q=0, application/*;q=0.5", MessageEncoding.Protobuf)]
    [InlineData("application/x-protobuf;q=0, application/json;q=0", null)]
    [InlineData("text/plain", null)]
    [InlineData("text/*, image/png", null)]
    [InlineData("*/*;q=0", null)]
    public void Accepted_PrefersJson_ThenProtobuf_ElseNone(string? accept, MessageEncoding? expected) =>
        Assert.Equal(expected, MediaTypes.Accepted(accept is null ? [] : [accept]));

    [Fact]
    public void Accepted_ReadsEveryAcceptHeaderValue() =>
        Assert.Equal(MessageEncoding.Protobuf, MediaTypes.Accepted(["text/plain", "application/x-protobuf"]));

    [Theory]
    [InlineData("application/json", MessageEncoding.Json)]
    [InlineData("application/json; charset=utf-8", MessageEncoding.Json)]
    [InlineData("Application/X-Protobuf", MessageEncoding.Protobuf)]
    [InlineData("text/plain", null)]
    [InlineData("application/protobuf", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void OfContent_IsJsonOrProtobuf_ElseNone(string? contentType, MessageEncoding? expected) =>
        Assert.Equal(expected, MediaTypes.OfContent(contentType));
}
