namespace Mesos.HA.Protocol;

/// <summary>
/// Waits for a condition by asking it again every <c>interval</c> until it holds or a deadline
/// passes: for tests and tools that watch real processes and clusters, where no event says that
/// the state was reached. On timeout the <see cref="TimeoutException"/> names the phase, the
/// timeout and, when a <c>seen</c> describer is given, the state that was seen last, so that a
/// failed run says where it stopped.
/// </summary>
/// <remarks>
/// The clock is the real one unless <c>time</c> is given; code that runs under a simulated clock
/// passes its own. The condition is asked at least once, also with a zero timeout, and never
/// concurrently with itself; exceptions it throws propagate at once.
/// </remarks>
public static class Poll
{
    /// <summary>Between two asks of the condition unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Returns once <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static Task UntilAsync(string phase, Func<bool> condition, TimeSpan timeout, Func<string>? seen = null,
        TimeSpan? interval = null, TimeProvider? time = null, CancellationToken token = default) =>
        UntilAsync(phase, () => Task.FromResult(condition()), timeout, seen, interval, time, token);

    /// <summary>Returns once <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(string phase, Func<Task<bool>> condition, TimeSpan timeout, Func<string>? seen = null,
        TimeSpan? interval = null, TimeProvider? time = null, CancellationToken token = default)
    {
        if (!await TryUntilAsync(condition, timeout, interval, time, token).ConfigureAwait(false))
            throw Timeout(phase, timeout, seen);
    }

    /// <summary>Returns the first non-null answer of <paramref name="probe"/>; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static async Task<T> ForAsync<T>(string phase, Func<Task<T?>> probe, TimeSpan timeout, Func<string>? seen = null,
        TimeSpan? interval = null, TimeProvider? time = null, CancellationToken token = default) where T : class
    {
        T? found = null;
        if (!await TryUntilAsync(async () => (found = await probe().ConfigureAwait(false)) is not null, timeout, interval, time, token).ConfigureAwait(false))
            throw Timeout(phase, timeout, seen);
        return found!;
    }

    /// <summary>True once <paramref name="condition"/> holds, false when <paramref name="timeout"/> passed first (for callers that judge afterwards).</summary>
    public static Task<bool> TryUntilAsync(Func<bool> condition, TimeSpan timeout, TimeSpan? interval = null, TimeProvider? time = null,
        CancellationToken token = default) =>
        TryUntilAsync(() => Task.FromResult(condition()), timeout, interval, time, token);

    /// <summary>True once <paramref name="condition"/> holds, false when <paramref name="timeout"/> passed first (for callers that judge afterwards).</summary>
    public static async Task<bool> TryUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? interval = null, TimeProvider? time = null,
        CancellationToken token = default)
    {
        var clock = time ?? TimeProvider.System;
        var started = clock.GetTimestamp();
        while (true)
        {
            if (await condition().ConfigureAwait(false)) return true;
            if (clock.GetElapsedTime(started) >= timeout) return false;
            await Task.Delay(interval ?? DefaultInterval, clock, token).ConfigureAwait(false);
        }
    }

    /// <summary>The message of a poll that timed out: <c>{phase}: not reached within {timeout}[; seen: {seen}]</c>.</summary>
    public static TimeoutException Timeout(string phase, TimeSpan timeout, Func<string>? seen = null) =>
        new($"{phase}: not reached within {Describe(timeout)}" + (seen is null ? "" : "; seen: " + seen()));

    private static string Describe(TimeSpan timeout) =>
        timeout.TotalSeconds >= 1
            ? FormattableString.Invariant($"{timeout.TotalSeconds:0.###} s")
            : FormattableString.Invariant($"{timeout.TotalMilliseconds:0.###} ms");
}
