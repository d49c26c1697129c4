using Xunit;

namespace Mesos.HA.Protocol.Tests;

public class MesosDurationTests
{
    [Theory]
    [InlineData("10ns", 10L)]
    [InlineData("500us", 500_000L)]
    [InlineData("100ms", 100_000_000L)]
    [InlineData("5secs", 5_000_000_000L)]
    [InlineData("1.5secs", 1_500_000_000L)]
    [InlineData("15mins", 900_000_000_000L)]
    [InlineData("2hrs", 7_200_000_000_000L)]
    [InlineData("1days", 86_400_000_000_000L)]
    [InlineData("1weeks", 604_800_000_000_000L)]
    [InlineData("0secs", 0L)]
    [InlineData("0.0000000015secs", 1L)]
    public void Parse_EachUnit_GivesExactNanoseconds(string text, long nanoseconds) =>
        Assert.Equal(nanoseconds, MesosDuration.Parse(text).Nanoseconds);

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("secs")]
    [InlineData("5 secs")]
    [InlineData("5sec")]
    [InlineData("-5secs")]
    [InlineData("1..5secs")]
    [InlineData("5SECS")]
    [InlineData("99999999weeks")]
    public void TryParse_NotADuration_IsRefused(string text) => Assert.False(MesosDuration.TryParse(text, out _));

    [Fact]
    public void Parse_NotADuration_ThrowsNamingTheText()
    {
        var error = Assert.Throws<FormatException>(() => MesosDuration.Parse("soon"));
        Assert.Contains("'soon'", error.Message);
    }

    [Theory]
    [InlineData(10L, "10ns")]
    [InlineData(500_000L, "500us")]
    [InlineData(1_500_000_000L, "1500ms")]
    [InlineData(90_000_000_000L, "90secs")]
    [InlineData(900_000_000_000L, "15mins")]
    [InlineData(7_200_000_000_000L, "2hrs")]
    [InlineData(86_400_000_000_000L, "1days")]
    [InlineData(1_209_600_000_000_000L, "2weeks")]
    [InlineData(0L, "0ns")]
    public void ToString_PicksTheLargestExactUnit(long nanoseconds, string text) =>
        Assert.Equal(text, new MesosDuration(nanoseconds).ToString());

    [Theory]
    [InlineData("5secs")]
    [InlineData("1500ms")]
    [InlineData("10ns")]
    [InlineData("3days")]
    public void ToString_OfParse_RoundTrips(string text) => Assert.Equal(text, MesosDuration.Parse(text).ToString());

    [Fact]
    public void TimeSpan_Conversions_KeepWholeTicks()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), MesosDuration.Parse("15secs").ToTimeSpan());
        Assert.Equal(TimeSpan.Zero, MesosDuration.Parse("10ns").ToTimeSpan());
        Assert.Equal("250ms", MesosDuration.Format(TimeSpan.FromMilliseconds(250)));
    }
}
