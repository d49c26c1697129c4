using System.Globalization;
using System.Text;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Health;
using Xunit;
using static Mesos.HA.Protocol.Tests.Health.HealthSpecs;

namespace Mesos.HA.Protocol.Tests.Health;

/// <summary>
/// The health-check policy as transcripts: each check starts when the policy says it is due, takes
/// the given seconds, and the transcript prints its start (seconds after the task started), its
/// outcome and the decisions it produced.
/// </summary>
public class HealthCheckPolicyTests
{

    private static (bool Passed, double Seconds) Pass(double seconds = 0) => (true, seconds);
    private static (bool Passed, double Seconds) Fail(double seconds = 0) => (false, seconds);

    /// <summary>Runs the checks in order, each at the time the policy says it is due, and prints what happened.</summary>
    private static string Transcript(HealthCheckPolicy policy, params (bool Passed, double Seconds)[] checks)
    {
        var text = new StringBuilder();
        var n = 0;
        foreach (var (passed, seconds) in checks)
        {
            n++;
            if (policy.NextCheckDue is not { } due)
            {
                text.Append("no check due\n");
                break;
            }
            var result = new HealthCheckResult(due, due + TimeSpan.FromSeconds(seconds), passed, $"check {n}");
            var decisions = policy.Observe(result);
            text.Append(FormattableString.Invariant($"{(due - TaskStarted).TotalSeconds:0.###} {(passed ? "pass" : "fail")}:"));
            foreach (var d in decisions) text.Append(' ').Append(Describe(d));
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Describe(HealthDecision decision) => decision switch
    {
        HealthReport r => string.Create(CultureInfo.InvariantCulture, $"{(r.Healthy ? "healthy" : "unhealthy")}({r.ConsecutiveFailures}, {r.Message})"),
        KillUnhealthyTask k => string.Create(CultureInfo.InvariantCulture, $"kill({k.ConsecutiveFailures}, {k.Message})"),
        _ => throw new ArgumentOutOfRangeException(nameof(decision)),
    };

    [Fact]
    public void Schedule_FirstCheckAfterTheDelay_EachNextAnIntervalAfterThePreviousFinished()
    {
        var policy = new HealthCheckPolicy(Spec(delay: 15, interval: 10), TaskStarted);
        Assert.Equal(TaskStarted.AddSeconds(15), policy.NextCheckDue);
        Assert.Equal(TimeSpan.FromSeconds(15), policy.UntilNextCheck(TaskStarted));
        Assert.Equal(TimeSpan.FromSeconds(5), policy.UntilNextCheck(TaskStarted.AddSeconds(10)));
        Assert.Equal(TimeSpan.Zero, policy.UntilNextCheck(TaskStarted.AddSeconds(99)));

        // Checks that take 1 s start at 15, 26, 37: the interval runs from each finish.
        Assert.Equal("15 pass: healthy(0, check 1)\n26 pass:\n37 pass:\n", Transcript(policy, Pass(1), Pass(1), Pass(1)));
        Assert.Equal(TaskStarted.AddSeconds(48), policy.NextCheckDue);
    }

    [Fact]
    public void Schedule_ZeroDelay_FirstCheckAtTheTaskStart()
    {
        var policy = new HealthCheckPolicy(Spec(delay: 0), TaskStarted);
        Assert.Equal(TaskStarted, policy.NextCheckDue);
        Assert.Equal(TimeSpan.Zero, policy.UntilNextCheck(TaskStarted));
    }

    [Fact]
    public void Grace_FailuresFinishingWithinTheGracePeriod_AreNeitherReportedNorCounted()
    {
        var policy = new HealthCheckPolicy(Spec(delay: 0, interval: 4, grace: 10, failures: 2), TaskStarted);
        // 0, 4 and 8 finish within 10 s; the one started at 8 that takes 3 s finishes at 11, outside: counted.
        Assert.Equal("0 fail:\n4 fail:\n8 fail: unhealthy(1, check 3)\n15 fail: unhealthy(2, check 4) kill(2, 2 consecutive health check failures; the last: check 4)\n",
            Transcript(policy, Fail(), Fail(), Fail(3), Fail()));
    }

    [Fact]
    public void Grace_AFailureExactlyAtItsEnd_IsStillIgnored()
    {
        var policy = new HealthCheckPolicy(Spec(delay: 10, grace: 10), TaskStarted);
        Assert.Equal("10 fail:\n20 fail: unhealthy(1, check 2)\n", Transcript(policy, Fail(), Fail()));
    }

    [Fact]
    public void Grace_TheFirstSuccessEndsItEarly()
    {
        var policy = new HealthCheckPolicy(Spec(delay: 0, interval: 2, grace: 10), TaskStarted);
        Assert.True(policy.InGracePeriod(TaskStarted.AddSeconds(4)));
        Assert.Equal("0 fail:\n2 pass: healthy(0, check 2)\n4 fail: unhealthy(1, check 3)\n",
            Transcript(policy, Fail(), Pass(), Fail()));
        Assert.False(policy.InGracePeriod(TaskStarted.AddSeconds(4)));
    }

    [Fact]
    public void Grace_Zero_CountsAFailureAtTheTaskStart()
    {
        var policy = new HealthCheckPolicy(Spec(delay: 0, grace: 0), TaskStarted);
        Assert.Equal("0 fail: unhealthy(1, check 1)\n", Transcript(policy, Fail()));
    }

    [Fact]
    public void Reports_EveryUnhealthyCheck_ButOnlyTheFirstHealthyOneAfterStartOrAfterUnhealthy()
    {
        var policy = new HealthCheckPolicy(Spec(delay: 15, interval: 10, grace: 0, failures: 5), TaskStarted);
        Assert.Equal(
            "15 pass: healthy(0, check 1)\n25 pass:\n35 fail: unhealthy(1, check 3)\n45 fail: unhealthy(2, check 4)\n" +
            "55 pass: healthy(0, check 5)\n65 pass:\n",
            Transcript(policy, Pass(), Pass(), Fail(), Fail(), Pass(), Pass()));
    }

    [Fact]
    public void Reports_FailuresBeforeTheFirstSuccessOutsideGrace_ThenHealthyOnTheFirstSuccess()
    {
        var policy = new HealthCheckPolicy(Spec(delay: 15, grace: 10), TaskStarted);
        Assert.Equal("15 fail: unhealthy(1, check 1)\n25 pass: healthy(0, check 2)\n35 pass:\n", Transcript(policy, Fail(), Pass(), Pass()));
    }

    [Fact]
    public void Kill_AfterConsecutiveFailures_DecidedOnce_AndNoCheckIsDueAfterIt()
    {
        var policy = new HealthCheckPolicy(Spec(failures: 3, grace: 0), TaskStarted);
        Assert.Equal(
            "15 fail: unhealthy(1, check 1)\n25 fail: unhealthy(2, check 2)\n" +
            "35 fail: unhealthy(3, check 3) kill(3, 3 consecutive health check failures; the last: check 3)\nno check due\n",
            Transcript(policy, Fail(), Fail(), Fail(), Fail()));
        Assert.True(policy.KillDecided);
        Assert.Null(policy.UntilNextCheck(TaskStarted.AddSeconds(100)));
        // A result that arrives late (a check that was running) decides nothing more.
        var late = TaskStarted.AddSeconds(50);
        Assert.Empty(policy.Observe(new HealthCheckResult(late, late, false, "late")));
        Assert.Empty(policy.Observe(new HealthCheckResult(late, late, true, "late")));
    }

    [Fact]
    public void Kill_ASuccessResetsTheCount()
    {
        var policy = new HealthCheckPolicy(Spec(failures: 2, grace: 0), TaskStarted);
        Assert.Equal(
            "15 fail: unhealthy(1, check 1)\n25 pass: healthy(0, check 2)\n35 fail: unhealthy(1, check 3)\n" +
            "45 pass: healthy(0, check 4)\n",
            Transcript(policy, Fail(), Pass(), Fail(), Pass()));
        Assert.False(policy.KillDecided);
    }

    [Fact]
    public void Kill_OneFailureToKill_KillsOnTheFirstFailureOutsideGrace()
    {
        var policy = new HealthCheckPolicy(Spec(delay: 0, interval: 5, failures: 1, grace: 5), TaskStarted);
        Assert.Equal("0 fail:\n5 fail:\n10 fail: unhealthy(1, check 3) kill(1, 1 consecutive health check failures; the last: check 3)\n",
            Transcript(policy, Fail(), Fail(), Fail()));
    }

    [Fact]
    public void Timeout_ACheckThatPassedAfterItsTimeout_CountsAsAFailure()
    {
        var policy = new HealthCheckPolicy(Spec(timeout: 20, grace: 0, failures: 2), TaskStarted);
        // Exactly the timeout still passes; 21 s does not (and the next check is due 10 s after it finished).
        Assert.Equal(
            "15 pass: healthy(0, check 1)\n45 pass: unhealthy(1, the check passed after 21 s, over its 20 s timeout)\n76 fail: unhealthy(2, check 3) kill(2, 2 consecutive health check failures; the last: check 3)\n",
            Transcript(policy, Pass(20), Pass(21), Fail()));
    }

    [Fact]
    public void Timeout_OverTimeFailureInsideGrace_IsIgnoredLikeAnyFailure()
    {
        var policy = new HealthCheckPolicy(Spec(delay: 0, timeout: 1, grace: 10), TaskStarted);
        Assert.Equal("0 pass:\n12 pass: healthy(0, check 2)\n", Transcript(policy, Pass(2), Pass()));
    }

    [Theory]
    [InlineData(-1, 10, 20, 3, 10)]
    [InlineData(15, 0, 20, 3, 10)]
    [InlineData(15, 10, 0, 3, 10)]
    [InlineData(15, 10, 20, 0, 10)]
    [InlineData(15, 10, 20, 3, -1)]
    [InlineData(double.NaN, 10, 20, 3, 10)]
    [InlineData(15, double.PositiveInfinity, 20, 3, 10)]
    public void Spec_OutOfRange_IsRefusedWithItsName(double delay, double interval, double timeout, int failures, double grace)
    {
        var e = Assert.Throws<ArgumentException>(() => new HealthCheckPolicy(Spec(delay, interval, timeout, failures, grace), TaskStarted));
        Assert.Contains("must be", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_AResultThatFinishedBeforeItStarted_IsABrokenInvariant()
    {
        var policy = new HealthCheckPolicy(Spec(), TaskStarted);
        Assert.Throws<ArgumentException>(() => policy.Observe(new HealthCheckResult(TaskStarted.AddSeconds(1), TaskStarted, true, "")));
    }
}
