using Xunit;

namespace Mesos.HA.Protocol.Tests;

public class SamplesTests
{
    [Fact]
    public void OddCount_MedianIsTheMiddleSample_MinAndMaxAreTheEnds()
    {
        var s = Samples.Of([5, 1, 3]);
        Assert.Equal((3, 1.0, 3.0, 5.0), (s.Count, s.Min, s.Median, s.Max));
    }

    [Fact]
    public void EvenCount_MedianIsTheMeanOfTheTwoMiddleSamples_Percentile50IsTheLowerOne()
    {
        var s = Samples.Of([4, 1, 3, 2]);
        Assert.Equal(2.5, s.Median);
        Assert.Equal(2, s.Percentile(50));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(10, 1)]
    [InlineData(11, 2)]
    [InlineData(90, 9)]
    [InlineData(99, 10)]
    [InlineData(100, 10)]
    public void Percentile_IsTheNearestRank(double percent, double expected)
    {
        var s = Samples.Of(Enumerable.Range(1, 10).Select(i => (double)(11 - i)));
        Assert.Equal(expected, s.Percentile(percent));
    }

    [Fact]
    public void OneSample_IsEveryStatistic()
    {
        var s = Samples.Of([7]);
        Assert.All(new[] { s.Min, s.Median, s.Max, s.Percentile(0), s.Percentile(50), s.Percentile(99) }, v => Assert.Equal(7, v));
    }

    [Fact]
    public void Of_SortsACopy_LeavingTheCallersListAlone()
    {
        var values = new List<double> { 3, 1, 2 };
        Assert.Equal(1, Samples.Of(values).Min);
        Assert.Equal([3, 1, 2], values);
    }

    [Fact]
    public void Empty_HasACountButNoStatistics()
    {
        var s = Samples.Of([]);
        Assert.Equal(0, s.Count);
        Assert.Throws<InvalidOperationException>(() => s.Median);
        Assert.Throws<InvalidOperationException>(() => s.Percentile(50));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Percentile_OutsideZeroToHundred_IsRefused(double percent) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Samples.Of([1]).Percentile(percent));
}
