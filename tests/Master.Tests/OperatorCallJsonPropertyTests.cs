using System.Text.Json;
using CsCheck;
using Mesos.HA.Master.Operator.V1;
using Mesos.HA.Tests.Support;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// Operator call JSON (maintenance calls included) and the maintenance documents of the pre-v1
/// endpoints under mutation: a call or an error (FormatException for the maintenance readers, their
/// documented refusal), never another exception. A failure prints CsCheck's seed; pass it as <c>seed:</c> to replay.
/// </summary>
public class OperatorCallJsonPropertyTests
{
    private const int Iterations = 4_000;

    [Fact]
    public void ValidCorpus_Parses()
    {
        foreach (var valid in FuzzCorpus.OperatorCalls)
            Assert.True(OperatorCallJson.TryParse(System.Text.Encoding.UTF8.GetBytes(FuzzCorpus.Fill(valid)), out _, out var error, out _), $"{valid}: {error}");
    }

    [Fact]
    public void MutatedCalls_AreACallOrAnError_NeverAnException()
    {
        Gen.Frequency((5, MutatedCalls.Of(FuzzCorpus.OperatorCalls)), (1, Gen.Byte.Array[0, 200])).Sample(body =>
        {
            if (!OperatorCallJson.TryParse(body, out var call, out var error, out _)) Assert.False(string.IsNullOrEmpty(error));
            else Assert.NotNull(call);
        }, iter: Iterations, threads: 1, print: MutatedCalls.Print);
    }

    /// <summary>What the endpoints do: parse, check the root's kind, then read; a FormatException is the 400.</summary>
    private static void ReadOrRefuse(byte[] body, JsonValueKind root, Action<JsonElement> read)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body)) return; // refused first, as JsonDocument checks a string's UTF-8 only when it is read
        JsonDocument document;
        try { document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 }); }
        catch (JsonException) { return; }
        using (document)
        {
            if (document.RootElement.ValueKind != root) return;
            try { read(document.RootElement); }
            catch (FormatException e) { Assert.False(string.IsNullOrEmpty(e.Message)); }
        }
    }

    [Fact]
    public void MutatedSchedules_AreReadOrRefused_NeverAnotherException()
    {
        MutatedCalls.Of([FuzzCorpus.MaintenanceSchedule]).Sample(
            body => ReadOrRefuse(body, JsonValueKind.Object, schedule => MaintenanceJson.ReadSchedule(schedule, "schedule")),
            iter: Iterations / 2, threads: 1, print: MutatedCalls.Print);
    }

    [Fact]
    public void MutatedMachineLists_AreReadOrRefused_NeverAnotherException()
    {
        MutatedCalls.Of([FuzzCorpus.MachineList]).Sample(
            body => ReadOrRefuse(body, JsonValueKind.Array, machines => MaintenanceJson.ReadMachines(machines, "machines")),
            iter: Iterations / 2, threads: 1, print: MutatedCalls.Print);
    }

    /// <summary>Found by <see cref="MutatedCalls_AreACallOrAnError_NeverAnException"/>: a byte that is not UTF-8 inside a string threw InvalidOperationException when read.</summary>
    [Theory]
    [InlineData(new byte[] { 0x7b, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xca, 0x22, 0x7d })] // {"type":"\xCA"}
    [InlineData(new byte[] { 0x7b, 0x22, 0xf8, 0x22, 0x3a, 0x31, 0x7d })] // {"\xF8":1}
    public void Regression_InvalidUtf8InAString_IsMalformed(byte[] body)
    {
        Assert.False(OperatorCallJson.TryParse(body, out _, out var error, out _));
        Assert.Equal("malformed JSON: the body is not valid UTF-8", error);
    }

    /// <summary>
    /// Found by the AFL++ target operator-json (tests/Fuzz): an escaped lone surrogate is well-formed JSON that
    /// System.Text.Json cannot read as text, and threw InvalidOperationException when the string was read.
    /// </summary>
    [Theory]
    [InlineData("""{"type":"\ud800"}""")]
    [InlineData("""{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[{"machine_ids":[{"hostname":"\udc00"}]}]}}}""")]
    [InlineData("""{"\ud83d":1,"type":"GET_HEALTH"}""")]
    public void Regression_AnEscapedLoneSurrogate_IsMalformed(string body)
    {
        Assert.False(OperatorCallJson.TryParse(System.Text.Encoding.UTF8.GetBytes(body), out _, out var error, out _));
        Assert.Equal("malformed JSON: " + Protocol.JsonEscapes.LoneSurrogateMessage, error);
    }
}
