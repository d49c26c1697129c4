using CsCheck;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

/// <summary>
/// The resource text form under generated input: generated resources print and parse back equal;
/// any string is either resources or an error naming the entry, never an exception. A failure
/// prints CsCheck's seed; pass it as <c>seed:</c> to replay.
/// </summary>
public class ResourceTextPropertyTests
{
    private const int Iterations = 3_000;

    private static readonly Gen<string> Name = Gen.OneOf("cpus", "mem", "disk", "gpus", "ports", "zones", "net.io", "a-b_c/d");
    private static readonly Gen<string> Role = Gen.OneOf("*", "web", "eng/ml", "a.b");

    private static readonly Gen<Resources.Resources> OneResource = Gen.Select(Name, Role, Gen.Int[0, 2]).SelectMany(t =>
    {
        // The kind follows the name, as one name may not be a scalar and a range at once.
        var (name, role, _) = t;
        var kind = name switch { "ports" => 1, "zones" => 2, _ => 0 };
        return kind switch
        {
            0 => Gen.Long[0, Scalar.Max.Milli / 8].Select(milli => Resources.Resources.Scalar(name, new Scalar(milli), role)),
            1 => Gen.Select(Gen.Long[0, long.MaxValue - 1], Gen.Long[0, 1000]).Array[1, 4]
                .Select(ranges => Resources.Resources.Range(name, RangeSet.Of(ranges.Select(r => new ValueRange(r.Item1, r.Item1 + Math.Min(r.Item2, long.MaxValue - 1 - r.Item1)))), role)),
            _ => Gen.String[Gen.Char["abcxyz0189-_."], 1, 8].Array[1, 4].Select(items => Resources.Resources.Set(name, items, role)),
        };
    });

    private static readonly Gen<Resources.Resources> GenResources =
        OneResource.Array[1, 6].Select(parts => parts.Aggregate(Resources.Resources.Empty, (sum, r) => sum.Add(r)));

    [Fact]
    public void GeneratedResources_PrintAndParseBack()
    {
        GenResources.Sample(resources =>
        {
            if (resources.IsEmpty) return; // all amounts zero: the text is empty, which parsing refuses by design
            var text = resources.ToString();
            Assert.True(ResourceText.TryParse(text, out var back, out var error), $"'{text}': {error}");
            Assert.Equal(resources, back);
        }, iter: Iterations, threads: 1, print: r => r.ToString());
    }

    /// <summary>Characters the grammar cares about, so random strings reach deep into the parser.</summary>
    private static readonly Gen<string> NearlyResources = Gen.String[
        Gen.Frequency((6, Gen.Char["cpusmemport(){}[]-,;:.*/ 0123456789"]), (1, Gen.Char)), 0, 80];

    /// <summary>Amounts and range bounds of 1 to 40 digits, with a fraction sometimes: past every numeric type's end.</summary>
    private static readonly Gen<string> HugeNumbers = Gen.Select(Gen.String[Gen.Char['0', '9'], 1, 40], Gen.String[Gen.Char['0', '9'], 0, 5], Gen.Int[0, 2])
        .Select(t => t.Item3 switch
        {
            0 => $"cpus:{t.Item1}",
            1 => $"cpus:{t.Item1}.{t.Item2}",
            _ => $"ports:[{t.Item2}-{t.Item1}]",
        });

    [Fact]
    public void AnyString_ParsesOrGivesAnError_NeverThrows()
    {
        Gen.Frequency((3, NearlyResources), (1, Gen.String), (1, HugeNumbers)).Sample(text =>
        {
            if (ResourceText.TryParse(text, out _, out var error)) Assert.Null(error);
            else Assert.False(string.IsNullOrEmpty(error));
        }, iter: Iterations * 10, threads: 1, print: t => $"\"{t}\"");
    }

    [Fact]
    public void MutatedValidText_ParsesOrGivesAnError_NeverThrows()
    {
        Gen.Select(GenResources, Gen.Int[0, int.MaxValue], Gen.Char["0123456789[]{}();:,-.9e"], Gen.Int[0, 3]).Sample(sample =>
        {
            var (resources, at, ch, how) = sample;
            var text = resources.ToString();
            if (text.Length == 0) return;
            var i = at % text.Length;
            var mutated = how switch
            {
                0 => text.Remove(i, 1),
                1 => text.Insert(i, ch.ToString()),
                2 => text.Insert(i, new string('9', 40)), // huge numbers
                _ => text[..i],
            };
            if (ResourceText.TryParse(mutated, out _, out var error)) Assert.Null(error);
            else Assert.False(string.IsNullOrEmpty(error));
        }, iter: Iterations, threads: 1);
    }

    /// <summary>Found by <see cref="AnyString_ParsesOrGivesAnError_NeverThrows"/>: 26 to 29 digits parse as a decimal, and scaling them to milli-units overflowed.</summary>
    [Theory]
    [InlineData("cpus:87461400312552900073214154")]
    [InlineData("cpus:79228162514264337593543950335")]
    [InlineData("mem:9223372036854776.5")]
    public void Regression_AmountNearDecimalsEnd_IsTooLarge_NotAnOverflow(string text)
    {
        Assert.False(ResourceText.TryParse(text, out var resources, out var error));
        Assert.Contains("is too large", error);
        Assert.True(resources.IsEmpty);
    }
}
