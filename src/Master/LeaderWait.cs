using Mesos.HA.Replication;

namespace Mesos.HA.Master;

/// <summary>
/// During an election nobody leads for a few hundred milliseconds. Rather than answer "no leader"
/// (and send agents and frameworks into their backoff), a master holds such a request until it
/// leads itself or learns who does, up to a bound. Held requests sleep until the shell's
/// <see cref="LeaderSignal"/> says something changed.
/// </summary>
public static class LeaderWait
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    /// <summary>True when this master leads now; otherwise the leader it learned of (null if none within the bound).</summary>
    public static async Task<(bool Leading, LeaderInfo? Leader)> ResolveAsync(IRegistryLeadership registry, LeaderShell shell, TimeProvider time,
        CancellationToken token)
    {
        var deadline = time.GetUtcNow() + Bound;
        while (true)
        {
            var changed = shell.LeaderSignal.Changed;
            if (shell.Term is not null) return (true, null);
            // A leader this master has not heard from lately may be the one that just died: not named until heard again or replaced.
            if (registry.Leader is { IsLocal: false, HttpAddress.Length: > 0 } leader && !registry.LeaderQuiet) return (false, leader);
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero) return (false, null);
            try
            {
                await changed.WaitAsync(left, time, token).ConfigureAwait(false);
            }
            catch (TimeoutException) { /* the bound: looked at once more above */ }
        }
    }
}
