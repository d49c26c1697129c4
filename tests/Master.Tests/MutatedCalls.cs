using CsCheck;
using Mesos.HA.Tests.Support;

namespace Mesos.HA.Master.Tests;

/// <summary>Generators of mutated calls for the parsers' property tests: a valid document, then <see cref="JsonMutator"/> under a generated seed.</summary>
internal static class MutatedCalls
{
    /// <summary>A mutated version of one of <paramref name="valid"/>; the generated seed makes it reproducible.</summary>
    public static Gen<byte[]> Of(string[] valid) =>
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Int).Select(t => JsonMutator.Mutate(FuzzCorpus.Fill(valid[t.Item1]), new Random(t.Item2)));

    /// <summary>For a failure message: the bytes as text when they are text.</summary>
    public static string Print(byte[] bytes)
    {
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        return text.Length > 2_000 ? text[..2_000] + $"... ({bytes.Length} bytes)" : text;
    }
}
