using System.Diagnostics;

namespace Mesos.HA.Replication;

/// <summary>
/// Measures a grace period in time this process ran on schedule. Called once per expected
/// <c>tick</c>; a gap longer than two ticks means the process was not running (CPU starvation, a
/// GC pause, SIGSTOP) and counts as two ticks only. A starved process thus cannot conclude from
/// silence it could not have heard, yet a process that keeps running late still reaches the end of
/// the grace (after at most the grace divided by two ticks' worth of calls). Not thread-safe.
/// </summary>
internal struct GraceClock(TimeSpan tick)
{
    private readonly long started = Stopwatch.GetTimestamp();
    private long last = Stopwatch.GetTimestamp();

    /// <summary>Time counted towards the grace so far.</summary>
    public TimeSpan Counted { get; private set; }

    /// <summary>Wall-clock time since the clock started.</summary>
    public readonly TimeSpan Elapsed => Stopwatch.GetElapsedTime(started);

    public void Tick()
    {
        var now = Stopwatch.GetTimestamp();
        var gap = Stopwatch.GetElapsedTime(last, now);
        last = now;
        Counted += gap <= tick * 2 ? gap : tick * 2;
    }
}
