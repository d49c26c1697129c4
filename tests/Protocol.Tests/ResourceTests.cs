using Mesos.HA.Protocol.Resources;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Protocol.Tests;

public class ResourceTests(ITestOutputHelper output)
{
    private static Resources.Resources R(string text) => ResourceText.Parse(text);

    [Fact]
    public void Parse_TheAgentForm_ReadsEveryKind()
    {
        var r = R("cpus:4;mem:8192;disk:20000;ports:[31000-32000];cpus(web):2;zones:{b,a}");
        Assert.Equal(Scalar.FromUnits(4), r.Scalars[new ResourceKey("cpus", "*")]);
        Assert.Equal(Scalar.FromUnits(2), r.Scalars[new ResourceKey("cpus", "web")]);
        Assert.Equal(Scalar.FromUnits(6), r.Total("cpus"));
        Assert.Equal(1001, r.Ranges[new ResourceKey("ports", "*")].Count);
        Assert.Equal(["a", "b"], r.Sets[new ResourceKey("zones", "*")]);
        Assert.Equal("cpus:4;cpus(web):2;disk:20000;mem:8192;ports:[31000-32000];zones:{a,b}", r.ToString());
    }

    [Fact]
    public void Parse_RepeatedNamesAddUp_AndRangesMerge()
    {
        var r = R("cpus:1.5; cpus:0.25 ;ports:[10-20,21-30,5-6];ports:[25-40]");
        Assert.Equal(new Scalar(1750), r.Total("cpus"));
        Assert.Equal("[5-6,10-40]", r.Ranges[new ResourceKey("ports", "*")].ToString());
    }

    [Fact]
    public void Parse_ZeroAmounts_AreNotStored()
    {
        var r = R("cpus:0;mem:512");
        Assert.False(r.Scalars.ContainsKey(new ResourceKey("cpus", "*")));
        Assert.Equal("mem:512", r.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(";;", "empty")]
    [InlineData("cpus", "expected name:value")]
    [InlineData("cpus:", "value is missing")]
    [InlineData("cpus:-1", "non-negative")]
    [InlineData("cpus:1e3", "non-negative")]
    [InlineData("cpus:abc", "non-negative")]
    [InlineData("cp us:1", "not a resource name")]
    [InlineData(":4", "not a resource name")]
    [InlineData("cpus(web:1", "name(role)")]
    [InlineData("cpus(..):1", "'.' or '..'")]
    [InlineData("ports:[31000-32000", "end with ']'")]
    [InlineData("ports:[32000-31000]", "ends before it begins")]
    [InlineData("ports:[a-b]", "not a range")]
    [InlineData("ports:[]", "no ranges")]
    [InlineData("zones:{a,b", "end with '}'")]
    [InlineData("ports:4;ports:[1-2]", "both as a scalar and as ranges")]
    public void Parse_BadInput_SaysWhatIsWrong(string text, string expected)
    {
        Assert.False(ResourceText.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
        Assert.Throws<FormatException>(() => ResourceText.Parse(text));
    }

    [Fact]
    public void Scalars_AreExact_NoFloatDrift()
    {
        var sum = Enumerable.Range(0, 10).Aggregate(Resources.Resources.Empty, (r, _) => r.Add(R("cpus:0.1")));
        Assert.Equal(Scalar.FromUnits(1), sum.Total("cpus"));
        Assert.Equal(new Scalar(300), (R("cpus:0.1").Add(R("cpus:0.2"))).Total("cpus"));
        Assert.Equal("cpus:0.3", R("cpus:0.1").Add(R("cpus:0.2")).ToString());
        Assert.Equal(new Scalar(1235), R("cpus:1.2345").Total("cpus")); // three decimals, like Mesos
    }

    [Fact]
    public void Subtract_SplitsRanges_AndDropsWhatIsUsedUp()
    {
        var agent = R("cpus:4;mem:1024;ports:[31000-31010]");
        var task = R("cpus:4;mem:256;ports:[31003-31004]");
        Assert.True(agent.Contains(task));
        var left = agent.Subtract(task);
        Assert.Equal("mem:768;ports:[31000-31002,31005-31010]", left.ToString());
        Assert.Equal(agent, left.Add(task));
    }

    [Fact]
    public void Contains_RespectsRoles_AndRefusesWhatIsMissing()
    {
        var agent = R("cpus:2;cpus(web):2;ports:[1-10]");
        Assert.True(agent.Contains(R("cpus(web):2")));
        Assert.False(agent.Contains(R("cpus(web):3")));
        Assert.False(agent.Contains(R("cpus(batch):1")));
        Assert.False(agent.Contains(R("ports:[10-11]")));
        Assert.False(agent.Contains(R("gpus:1")));
        Assert.Throws<InvalidOperationException>(() => agent.Subtract(R("cpus:3")));
        Assert.Equal("cpus:2;cpus(web):2", agent.AllocatableTo("web").Filter(k => k.Name == "cpus").ToString());
        Assert.Equal("cpus:2;ports:[1-10]", agent.AllocatableTo("batch").ToString());
    }

    [Fact]
    public void Text_RoundTrips()
    {
        var r = R("cpus(web):0.125;ports:[1-3,7-9];mem:10;zones:{z,a}");
        Assert.Equal(r, ResourceText.Parse(r.ToString()));
    }

    [Fact]
    public void Randomized_AddThenSubtract_GivesBackTheOriginal_AndNeverGoesNegative()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (var round = 0; round < 500; round++)
        {
            // Ranges are sets of values (a port is either free or not), so the property holds for
            // disjoint ranges: b draws its ports from another interval than a.
            var a = RandomResources(random, portBase: 0);
            var b = RandomResources(random, portBase: 1000);
            var sum = a.Add(b);
            Assert.True(sum.Contains(a), $"seed {seed} round {round}");
            Assert.True(sum.Contains(b), $"seed {seed} round {round}");
            Assert.Equal(a, sum.Subtract(b));
            Assert.All(sum.Subtract(b).Scalars.Values, v => Assert.True(v.Milli > 0));
        }
    }

    private static Resources.Resources RandomResources(Random random, int portBase)
    {
        var r = Resources.Resources.Empty;
        if (random.Next(2) == 0) r = r.Add(Resources.Resources.Scalar("cpus", new Scalar(random.Next(1, 8000))));
        if (random.Next(2) == 0) r = r.Add(Resources.Resources.Scalar("mem", new Scalar(random.Next(1, 100_000) * 1000L), "web"));
        if (random.Next(2) == 0)
        {
            var begin = portBase + random.Next(0, 500);
            r = r.Add(Resources.Resources.Range("ports", RangeSet.Of([new ValueRange(begin, begin + random.Next(0, 50))])));
        }
        return r;
    }
}
