using System.Diagnostics;
using Mesos.HA.Chaos.Tests.Checkers;
using Mesos.HA.Cli.Local;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// A registry client for the chaos run: writes role weights and reads them back linearizably through
/// whichever master answers, recording each operation's invocation and completion. A write that
/// timed out is recorded with an unknown outcome; a refused one (redirect, no leader) is not recorded.
/// Bounded: stops when told to, or after 100,000 operations.
/// </summary>
internal static class RegistryWorkload
{
    public static async Task RunAsync(MasterGroup group, RegisterHistory history, Stopwatch clock, CancellationToken token)
    {
        for (var n = 0; n < 100_000 && !token.IsCancellationRequested; n++)
        {
            var master = group.Masters[(n / 3 + n) % group.Masters.Count]; // reads and writes both visit every master
            if (!master.IsRunning) continue;
            // Few operations per key (2,000 keys in rotation): each key's history is checked whole, from its absence.
            var role = $"chaos/r{n / 3 % 2000}";
            if (n % 3 == 2)
            {
                var invoked = clock.ElapsedTicks;
                if (await MasterGroup.TryReadWeightsAsync(master, token) is { } weights)
                    history.Read(role, weights.FirstOrDefault(w => w.Role == role)?.Weight, invoked, clock.ElapsedTicks);
                continue;
            }
            var weight = 2 + n % 1000; // 1 is the default weight: writing it removes the entry
            var started = clock.ElapsedTicks;
            var status = await MasterGroup.TryWriteWeightAsync(master, role, weight, TimeSpan.FromSeconds(1), token);
            if (status == 200) history.Write(role, weight, started, clock.ElapsedTicks);
            else if (status == 0) history.Write(role, weight, started, null); // timed out or cut off: unknown
            if (status != 200) await Task.Delay(5, CancellationToken.None);
        }
    }
}
