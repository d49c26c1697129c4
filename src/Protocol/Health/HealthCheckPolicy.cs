using System.Globalization;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Protocol.Health;

/// <summary>
/// The decisions of one task's health checks, as Mesos makes them, with no clock and no I/O: the
/// caller says when the task started, asks when the next check is due, runs it, and feeds the
/// <see cref="HealthCheckResult"/> to <see cref="Observe"/>, which returns what to report.
/// </summary>
/// <remarks>
/// <para>Schedule: the first check is due <c>DelaySeconds</c> after the task started, each next one
/// <c>IntervalSeconds</c> after the previous one finished (so checks never overlap).</para>
/// <para>Grace: until the first success, a failure that finishes within <c>GracePeriodSeconds</c> of
/// the task's start is ignored (no report, not counted); the first success ends the grace period early.</para>
/// <para>Reports: healthy on the first success, and on the first success after an unhealthy report;
/// unhealthy on every counted failure. A check that took longer than <c>TimeoutSeconds</c> failed,
/// whatever its probe said. After <c>ConsecutiveFailures</c> counted failures in a row it decides
/// <see cref="KillUnhealthyTask"/>, once; later results are ignored and no check is due any more.</para>
/// <para>Not thread-safe: one caller feeds it, never concurrently.</para>
/// </remarks>
public sealed class HealthCheckPolicy
{
    private readonly DateTimeOffset taskStarted;
    private readonly TimeSpan interval;
    private readonly TimeSpan gracePeriod;
    private readonly int failuresToKill;
    private bool awaitingFirstSuccess = true;

    /// <summary>Starts the policy for a task that started at <paramref name="taskStarted"/>.</summary>
    /// <exception cref="ArgumentException">A negative or non-finite duration, a zero interval or timeout, or fewer than one failure to kill.</exception>
    public HealthCheckPolicy(HealthCheckSpec spec, DateTimeOffset taskStarted)
    {
        ArgumentNullException.ThrowIfNull(spec);
        this.taskStarted = taskStarted;
        var delay = Seconds(spec.DelaySeconds, nameof(spec.DelaySeconds), allowZero: true);
        interval = Seconds(spec.IntervalSeconds, nameof(spec.IntervalSeconds), allowZero: false);
        Timeout = Seconds(spec.TimeoutSeconds, nameof(spec.TimeoutSeconds), allowZero: false);
        gracePeriod = Seconds(spec.GracePeriodSeconds, nameof(spec.GracePeriodSeconds), allowZero: true);
        if (spec.ConsecutiveFailures < 1)
            throw new ArgumentException($"ConsecutiveFailures must be at least 1, not {spec.ConsecutiveFailures}", nameof(spec));
        failuresToKill = spec.ConsecutiveFailures;
        NextCheckDue = taskStarted + delay;
    }

    /// <summary>How long one check may take before it counts as failed; probes are bounded by it.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>When the next check should start; null once the kill has been decided.</summary>
    public DateTimeOffset? NextCheckDue { get; private set; }

    /// <summary>Counted failures (outside the grace period) since the last success.</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>Whether <see cref="KillUnhealthyTask"/> has been decided.</summary>
    public bool KillDecided => NextCheckDue is null;

    /// <summary>How long from <paramref name="now"/> until the next check is due (zero when overdue); null once the kill has been decided.</summary>
    public TimeSpan? UntilNextCheck(DateTimeOffset now) =>
        NextCheckDue is { } due ? (due > now ? due - now : TimeSpan.Zero) : null;

    /// <summary>Whether a failure at <paramref name="now"/> would be ignored.</summary>
    public bool InGracePeriod(DateTimeOffset now) =>
        awaitingFirstSuccess && gracePeriod > TimeSpan.Zero && now - taskStarted <= gracePeriod;

    /// <summary>Takes one check's result; returns what to report, in order (empty: nothing).</summary>
    /// <exception cref="ArgumentException">The result finished before it started.</exception>
    public IReadOnlyList<HealthDecision> Observe(HealthCheckResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Finished < result.Started)
            throw new ArgumentException($"a check cannot finish ({result.Finished:O}) before it started ({result.Started:O})", nameof(result));
        if (KillDecided) return [];
        NextCheckDue = result.Finished + interval;
        if (result.Passed && result.Duration > Timeout)
            return Failed(result.Finished, $"the check passed after {Describe(result.Duration)}, over its {Describe(Timeout)} timeout");
        return result.Passed ? Passed(result.Message) : Failed(result.Finished, result.Message);
    }

    private IReadOnlyList<HealthDecision> Passed(string message)
    {
        var report = awaitingFirstSuccess || ConsecutiveFailures > 0;
        awaitingFirstSuccess = false;
        ConsecutiveFailures = 0;
        return report ? [new HealthReport(true, message, 0)] : [];
    }

    private IReadOnlyList<HealthDecision> Failed(DateTimeOffset at, string message)
    {
        if (InGracePeriod(at)) return [];
        ConsecutiveFailures++;
        var report = new HealthReport(false, message, ConsecutiveFailures);
        if (ConsecutiveFailures < failuresToKill) return [report];
        NextCheckDue = null;
        return [report, new KillUnhealthyTask($"{ConsecutiveFailures} consecutive health check failures; the last: {message}", ConsecutiveFailures)];
    }

    private static TimeSpan Seconds(double seconds, string name, bool allowZero) =>
        double.IsFinite(seconds) && (seconds > 0 || (allowZero && seconds == 0)) && seconds < TimeSpan.MaxValue.TotalSeconds / 2
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} must be {(allowZero ? "zero or more" : "more than zero")} seconds, not {seconds.ToString(CultureInfo.InvariantCulture)}", "spec");

    /// <summary>A duration in seconds, as messages print it: <c>20 s</c>, <c>0.25 s</c>.</summary>
    internal static string Describe(TimeSpan duration) => FormattableString.Invariant($"{duration.TotalSeconds:0.###} s");
}
