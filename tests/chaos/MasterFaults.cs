using System.Diagnostics;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// The nemesis' faults against the masters, each injected deterministically once chosen (the seeded
/// random only picks victims and durations) and healed before it returns, except that a killed master
/// may still be starting. Partition faults need the masters in a <see cref="NetworkLab"/>.
/// </summary>
internal static class MasterFaults
{
    /// <summary>Master faults that need no network namespaces.</summary>
    public static readonly string[] Local =
        ["kill-leader", "pause-leader", "kill-follower", "kill-during-election", "pause-during-catch-up", "kill-all"];

    /// <summary>Master faults that need the masters in network namespaces.</summary>
    public static readonly string[] Partitions = ["partition-leader", "partition-leader-from-masters", "partition-follower"];

    public static bool Handles(string fault) => Local.Contains(fault) || Partitions.Contains(fault);

    /// <summary>
    /// What was done, for the report; <c>FailoverMs</c> when the fault forced a new leader;
    /// <c>Reconnected</c>: the master cut off from everyone (clients and frameworks included) whose link
    /// was just restored, so that what it sent before arrives only now.
    /// </summary>
    public sealed record Injected(string Report, double? FailoverMs, MasterProcess? Reconnected = null);

    public static async Task<Injected> InjectAsync(string fault, MasterGroup group, MasterProcess leader, NetworkLab? lab, Random random, TimeSpan heal)
    {
        var started = Stopwatch.StartNew();
        var followers = group.Masters.Where(m => m != leader).ToArray();
        var follower = followers[random.Next(followers.Length)];
        switch (fault)
        {
            case "kill-leader":
            {
                leader.Kill();
                var ms = await NewLeaderAsync(group, leader, heal, started);
                group.Start(leader);
                return new($"SIGKILL leader m{leader.Id}; new leader after {ms:F0} ms; restarted", ms);
            }
            case "pause-leader":
            {
                leader.Pause();
                var ms = await NewLeaderAsync(group, leader, heal, started);
                leader.Resume();
                return new($"SIGSTOP leader m{leader.Id}; new leader after {ms:F0} ms; SIGCONT (stale leader returns)", ms);
            }
            case "kill-follower":
                follower.Kill();
                await Task.Delay(random.Next(200, 1000));
                group.Start(follower);
                return new($"SIGKILL follower m{follower.Id}; restarted", null);
            case "kill-during-election":
            {
                // The leader dies; while the survivors elect, one of them dies too: no quorum until it
                // is back, then an election among the two with possibly different logs.
                leader.Kill();
                await Task.Delay(random.Next(0, 150));
                follower.Kill();
                await Task.Delay(random.Next(200, 1000));
                group.Start(follower);
                var ms = await NewLeaderAsync(group, leader, heal, started);
                group.Start(leader);
                return new($"SIGKILL leader m{leader.Id}, then m{follower.Id} during the election; m{follower.Id} restarted, new leader after {ms:F0} ms; m{leader.Id} restarted", ms);
            }
            case "pause-during-catch-up":
            {
                // A follower misses writes while down; as it restarts and catches up, the leader freezes.
                follower.Kill();
                await Task.Delay(random.Next(300, 1000));
                group.Start(follower);
                await WaitAnsweringAsync(follower, heal);
                started.Restart();
                leader.Pause();
                var ms = await NewLeaderAsync(group, leader, heal, started);
                leader.Resume();
                return new($"SIGKILL follower m{follower.Id}, restarted; SIGSTOP leader m{leader.Id} while it caught up; new leader after {ms:F0} ms; SIGCONT", ms);
            }
            case "kill-all":
            {
                foreach (var m in group.Masters) m.Kill();
                var order = group.Masters.ToArray();
                random.Shuffle(order);
                foreach (var m in order)
                {
                    group.Start(m);
                    await Task.Delay(random.Next(0, 300));
                }
                var next = await group.WaitForLeaderAsync(heal);
                var ms = started.Elapsed.TotalMilliseconds;
                return new($"SIGKILL all masters; restarted in the order {string.Join(", ", order.Select(m => $"m{m.Id}"))}; m{next.Id} leads after {ms:F0} ms", null);
            }
            case "partition-leader":
            {
                lab!.Cut(leader.Id);
                var ms = await NewLeaderAsync(group, leader, heal, started);
                await Task.Delay(random.Next(200, 1500)); // the majority works on while the old leader is cut off
                lab.Heal(leader.Id);
                return new($"partitioned leader m{leader.Id} from everyone; new leader after {ms:F0} ms; healed", ms, leader);
            }
            case "partition-leader-from-masters":
            {
                // The classic stale leader: cut from the other masters, still reachable by clients,
                // agents and the framework, which keep talking to it until they learn otherwise.
                lab!.CutFromMembers(leader.Id);
                var ms = await NewLeaderAsync(group, leader, heal, started);
                await Task.Delay(random.Next(200, 1500));
                lab.HealFromMembers(leader.Id);
                return new($"partitioned leader m{leader.Id} from the other masters only (clients and agents still reach it); new leader after {ms:F0} ms; healed", ms);
            }
            case "partition-follower":
                lab!.Cut(follower.Id);
                await Task.Delay(random.Next(300, 1500));
                lab.Heal(follower.Id);
                return new($"partitioned follower m{follower.Id} from everyone; healed", null, follower);
            default:
                throw new ArgumentException($"unknown master fault {fault}", nameof(fault));
        }
    }

    private static async Task<double> NewLeaderAsync(MasterGroup group, MasterProcess old, TimeSpan heal, Stopwatch started)
    {
        await group.WaitForLeaderOtherThanAsync(old, heal);
        return started.Elapsed.TotalMilliseconds;
    }

    private static async Task WaitAnsweringAsync(MasterProcess master, TimeSpan timeout)
    {
        await Poll.UntilAsync($"m{master.Id} answers after its restart", async () => await master.TryStatusAsync() is not null, timeout);
    }
}
