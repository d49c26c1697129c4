using CsCheck;
using Mesos.HA.Master.Http;
using Mesos.HA.Master.Operator.V1;
using Mesos.HA.Master.Scheduler;
using Mesos.HA.Tests.Support;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// MessagePack calls under mutation: the conversion to JSON succeeds or gives its error, and what it
/// gives the call readers is a call or an error, never an exception. A failure prints CsCheck's seed;
/// pass it as <c>seed:</c> to replay.
/// </summary>
public class ApiEncodingPropertyTests
{
    private const int Iterations = 10_000;

    private static readonly string[] Calls = [.. FuzzCorpus.SchedulerCalls, .. FuzzCorpus.OperatorCalls];

    /// <summary>A valid call in MessagePack with a few bytes changed or cut short, or random bytes.</summary>
    private static readonly Gen<byte[]> MutatedMessagePack = Gen.Frequency(
        (4, Gen.Select(Gen.Int[0, Calls.Length - 1], Gen.Int[0, int.MaxValue].Array[1, 4], Gen.Byte.Array[4], Gen.Bool).Select(t =>
        {
            var bytes = ApiEncoding.ToMessagePack(System.Text.Encoding.UTF8.GetBytes(FuzzCorpus.Fill(Calls[t.Item1])));
            if (t.Item4) return bytes[..(t.Item2[0] % bytes.Length)];
            for (var i = 0; i < t.Item2.Length; i++) bytes[t.Item2[i] % bytes.Length] = t.Item3[i];
            return bytes;
        })),
        (1, Gen.Byte.Array[0, 200]));

    [Fact]
    public void ValidCalls_ConvertToTheSameDocument()
    {
        foreach (var call in Calls)
        {
            var json = System.Text.Encoding.UTF8.GetBytes(FuzzCorpus.Fill(call));
            Assert.True(ApiEncoding.TryMessagePackToJson(ApiEncoding.ToMessagePack(json), out var back, out var error), error);
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(json), System.Text.Json.Nodes.JsonNode.Parse(back)));
        }
    }

    [Fact]
    public void MutatedMessagePack_ConvertsOrGivesAnError_AndTheReadersNeverThrow()
    {
        MutatedMessagePack.Sample(body =>
        {
            if (!ApiEncoding.TryMessagePackToJson(body, out var json, out var error))
            {
                Assert.False(string.IsNullOrEmpty(error));
                return;
            }
            if (!SchedulerCallJson.TryParse(json, out _, out var schedulerError)) Assert.False(string.IsNullOrEmpty(schedulerError));
            if (!OperatorCallJson.TryParse(json, out _, out var operatorError, out _)) Assert.False(string.IsNullOrEmpty(operatorError));
        }, iter: Iterations, threads: 1, print: Convert.ToHexString);
    }
}
