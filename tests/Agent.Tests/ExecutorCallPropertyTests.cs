using System.Text;
using CsCheck;
using Mesos.HA.Agent.Executors;
using Mesos.HA.Protocol.Http.V1;
using Mesos.HA.Tests.Support;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// The executor API's call readers under mutation: JSON calls (fields dropped or retyped, huge numbers,
/// deep nesting, random bytes) and protobuf calls (bytes changed, cut short, random) read as a call or
/// an error, never an exception. A failure prints CsCheck's seed; pass it as <c>seed:</c> to replay.
/// </summary>
public sealed class ExecutorCallPropertyTests
{
    private const int Iterations = 4_000;
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static byte[] Json(string template) => Encoding.UTF8.GetBytes(FuzzCorpus.Fill(template));

    private static void ReadOrRefuse(byte[] json)
    {
        if (ExecutorJson.TryRead(json, Now, out var error) is null) Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void ValidCorpus_Reads()
    {
        foreach (var call in FuzzCorpus.ExecutorCalls)
            Assert.True(ExecutorJson.TryRead(Json(call), Now, out var error) is not null, $"{call}: {error}");
    }

    [Fact]
    public void MutatedJsonCalls_AreACallOrAnError_NeverAnException()
    {
        Gen.Select(Gen.Int[0, FuzzCorpus.ExecutorCalls.Length - 1], Gen.Int)
            .Select(t => JsonMutator.Mutate(FuzzCorpus.Fill(FuzzCorpus.ExecutorCalls[t.Item1]), new Random(t.Item2)))
            .Sample(ReadOrRefuse, iter: Iterations, threads: 1, print: b => Encoding.UTF8.GetString(b));
    }

    /// <summary>The corpus' calls in protobuf, as executors send them.</summary>
    private static readonly byte[][] Protobufs = [.. FuzzCorpus.ExecutorCalls.Select(call =>
        ExecutorProtobuf.ToProtobuf(TolerantJson.Read(Json(call), ExecutorJsonContext.Default.ExecutorCall)!))];

    [Fact]
    public void MutatedProtobufCalls_AreACallOrAnError_NeverAnException()
    {
        var mutated = Gen.Frequency(
            (4, Gen.Select(Gen.Int[0, Protobufs.Length - 1], Gen.Int[0, int.MaxValue].Array[1, 4], Gen.Byte.Array[4], Gen.Bool).Select(t =>
            {
                var bytes = (byte[])Protobufs[t.Item1].Clone();
                if (t.Item4) return bytes[..(t.Item2[0] % bytes.Length)];
                for (var i = 0; i < t.Item2.Length; i++) bytes[t.Item2[i] % bytes.Length] = t.Item3[i];
                return bytes;
            })),
            (1, Gen.Byte.Array[0, 200]));
        mutated.Sample(protobuf =>
        {
            if (ExecutorProtobuf.TryCallToJson(protobuf, out var json, out var error)) ReadOrRefuse(json);
            else Assert.StartsWith("malformed protobuf", error);
        }, iter: Iterations * 5, threads: 1, print: Convert.ToHexString);
    }

    /// <summary>Found while writing <see cref="MutatedJsonCalls_AreACallOrAnError_NeverAnException"/>: a byte that is not UTF-8 inside a string threw InvalidOperationException.</summary>
    [Fact]
    public void Regression_InvalidUtf8InAString_IsMalformed()
    {
        byte[] body = [.. "{\"type\":\""u8, 0xf8, .. "\"}"u8];
        Assert.Null(ExecutorJson.TryRead(body, Now, out var error));
        Assert.Equal("malformed JSON: the document is not valid UTF-8", error);
    }

    /// <summary>Found while writing the AFL++ target <c>executor-json</c> (tests/Fuzz), and replayed through it: an escaped lone surrogate threw InvalidOperationException when its string was read.</summary>
    [Theory]
    [InlineData("""{"type":"\ud800"}""")]
    [InlineData("""{"type":"MESSAGE","framework_id":{"value":"\ud800"},"executor_id":{"value":"e"},"message":{"data":"aGk="}}""")]
    public void Regression_EscapedLoneSurrogate_IsMalformed(string body)
    {
        Assert.Null(ExecutorJson.TryRead(Encoding.UTF8.GetBytes(body), Now, out var error));
        Assert.Equal("malformed JSON: " + Protocol.JsonEscapes.LoneSurrogateMessage, error);
    }
}
