using CsCheck;
using Mesos.HA.Master.Scheduler;
using Mesos.HA.Tests.Support;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// Scheduler call JSON under mutation (fields dropped or retyped, huge numbers, deep nesting, random
/// bytes): every input is a call or an error message, never an exception (which the endpoint would
/// answer with a 500). A failure prints CsCheck's seed; pass it as <c>seed:</c> to replay.
/// </summary>
public class SchedulerCallJsonPropertyTests
{
    private const int Iterations = 4_000;

    [Fact]
    public void ValidCorpus_Parses()
    {
        foreach (var valid in FuzzCorpus.SchedulerCalls)
            Assert.True(SchedulerCallJson.TryParse(System.Text.Encoding.UTF8.GetBytes(FuzzCorpus.Fill(valid)), out _, out var error), $"{valid}: {error}");
    }

    [Fact]
    public void MutatedCalls_AreACallOrAnError_NeverAnException()
    {
        MutatedCalls.Of(FuzzCorpus.SchedulerCalls).Sample(body =>
        {
            if (SchedulerCallJson.TryParse(body, out var call, out var error)) Assert.NotNull(call);
            else Assert.False(string.IsNullOrEmpty(error));
        }, iter: Iterations, threads: 1, print: MutatedCalls.Print);
    }

    [Fact]
    public void RandomBytes_AreAnError()
    {
        Gen.Byte.Array[0, 300].Sample(body =>
        {
            if (!SchedulerCallJson.TryParse(body, out _, out var error)) Assert.False(string.IsNullOrEmpty(error));
        }, iter: Iterations * 5, threads: 1, print: Convert.ToHexString);
    }

    /// <summary>Found by <see cref="MutatedCalls_AreACallOrAnError_NeverAnException"/>: a byte that is not UTF-8 inside a string threw InvalidOperationException when read.</summary>
    [Theory]
    [InlineData(new byte[] { 0x7b, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xf8, 0x22, 0x7d })] // {"type":"\xF8"}
    [InlineData(new byte[] { 0x7b, 0x22, 0xfe, 0x22, 0x3a, 0x31, 0x7d })] // {"\xFE":1}
    public void Regression_InvalidUtf8InAString_IsMalformed(byte[] body)
    {
        Assert.False(SchedulerCallJson.TryParse(body, out _, out var error));
        Assert.Equal("malformed JSON: the document is not valid UTF-8", error);
    }

    /// <summary>Found while writing the AFL++ target <c>scheduler-json</c> (tests/Fuzz), and replayed through it: an escaped lone surrogate threw InvalidOperationException when its string was read.</summary>
    [Theory]
    [InlineData("""{"type":"\ud800"}""")]
    [InlineData("""{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"\udc00","user":"u"}}}""")]
    [InlineData("""{"\ud83d":1}""")]
    public void Regression_EscapedLoneSurrogate_IsMalformed(string body)
    {
        Assert.False(SchedulerCallJson.TryParse(System.Text.Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.Equal("malformed JSON: " + Protocol.JsonEscapes.LoneSurrogateMessage, error);
    }
}
