using System.Text;
using System.Text.Json;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

/// <summary>
/// The check every JSON parser of untrusted bytes runs before reading strings: an escaped lone
/// surrogate is found (System.Text.Json would throw InvalidOperationException reading it), and nothing
/// else is. Found while writing the AFL++ targets (tests/Fuzz): each JSON parser crashed on <c>"\ud800"</c>.
/// </summary>
public class JsonEscapesTests
{
    private static bool Check(string json) => JsonEscapes.HasLoneSurrogate(Encoding.UTF8.GetBytes(json), default);

    [Theory]
    [InlineData("""{"a":"\ud800"}""")]
    [InlineData("""{"a":"\udc00"}""")]
    [InlineData("""{"a":"x\ud83dy"}""")]
    [InlineData("""{"a":"\ud83d\ud83d"}""")]
    [InlineData("""{"a":"\ud83d\n"}""")]
    [InlineData("""{"\ud800":1}""")]
    [InlineData("""[1,["ok","\uDBFF"]]""")]
    public void AnEscapedLoneSurrogate_IsFound(string json)
    {
        Assert.True(Check(json));
        // What the parsers would otherwise have met when reading the string.
        Assert.Throws<InvalidOperationException>(() => ReadEveryString(json));
    }

    [Theory]
    [InlineData("""{"a":"\ud83d\ude00","b":"\u00e9\u0041"}""")]
    [InlineData("""{"a":"\\ud800"}""")] // an escaped backslash, then text
    [InlineData("""{"a":"\"\ud83d\ude00\\"}""")]
    [InlineData("""{"a":"plain","b":[1,2,{"c":null}]}""")]
    public void ValidEscapes_AreNotFound(string json)
    {
        Assert.False(Check(json));
        ReadEveryString(json);
    }

    [Fact]
    public void AMalformedDocument_ThrowsTheReadersJsonException() =>
        Assert.ThrowsAny<JsonException>(() => Check("""{"a":"\ud800"""));

    private static void ReadEveryString(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        while (reader.Read())
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName) _ = reader.GetString();
    }
}
