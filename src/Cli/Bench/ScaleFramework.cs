using System.Diagnostics;
using System.Globalization;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// The framework of <c>bench failover-scale</c>: launches <c>total</c> long-running tasks spread
/// evenly over the agents (all of an offer's share in one ACCEPT), then holds every offer it gets
/// (an offer held is not re-offered, so the old leader's offers never come back and the new leader's
/// first offer is easy to tell). Each round is armed with the term of the leader about to be killed;
/// from then it notes the first offer of a later term and the updates (reconciliation answers) that
/// name every task once it re-subscribed. Callbacks run one at a time on the driver's loop; the bench reads under the lock.
/// </summary>
internal sealed class ScaleFramework(int total, int agentCount) : IScheduler
{
    public static readonly Resources PerTask = ResourceText.Parse("cpus:1;mem:32");
    private readonly object gate = new();
    private readonly int perAgent = (total + agentCount - 1) / agentCount;
    private readonly Dictionary<string, int> launchedOn = new(StringComparer.Ordinal);
    private readonly bool[] running = new bool[total];
    private readonly bool[] answered = new bool[total];
    private int launched;
    private int runningCount;
    private int answeredCount;
    private long armedTerm = long.MaxValue;
    private long firstOfferAt;
    private long reregisteredAt;
    private long reconciledAt;
    private string? failure;

    /// <summary>Task slots each agent needs (the bench gives it two more, so that offers remain once all run).</summary>
    public int PerAgent => perAgent;

    public int Running { get { lock (gate) return runningCount; } }

    /// <summary>Why the run cannot go on (an error, a task lost), null while it can.</summary>
    public string? Failure { get { lock (gate) return failure; } }

    /// <summary>From now on, notes the first offer of a leader of a term above <paramref name="term"/> and every task's next update.</summary>
    public void Arm(long term)
    {
        lock (gate)
        {
            armedTerm = term;
            firstOfferAt = reregisteredAt = reconciledAt = 0;
            answeredCount = 0;
            Array.Clear(answered);
        }
    }

    /// <summary>Since <see cref="Arm"/>: when (<see cref="Stopwatch.GetTimestamp"/>, 0: not yet) each happened, and how many tasks were answered.</summary>
    public (long FirstOfferAt, long ReregisteredAt, long ReconciledAt, int Answered) Round
    {
        get { lock (gate) return (firstOfferAt, reregisteredAt, reconciledAt, answeredCount); }
    }

    public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers)
    {
        lock (gate)
        {
            foreach (var offer in offers)
            {
                if (firstOfferAt == 0 && TermOf(offer) > armedTerm) firstOfferAt = Stopwatch.GetTimestamp();
                var already = launchedOn.GetValueOrDefault(offer.AgentId);
                var fit = (int)Math.Min(offer.Resources.Total("cpus").Milli / 1000, offer.Resources.Total("mem").Milli / 32_000);
                var batch = Math.Min(Math.Min(fit, perAgent - already), total - launched);
                if (batch <= 0) continue; // held: never answered
                var infos = new TaskInfo[batch];
                for (var i = 0; i < batch; i++) infos[i] = new TaskInfo($"t{launched + i}", "scale", offer.AgentId, PerTask, "sleep 100000");
                launched += batch;
                launchedOn[offer.AgentId] = already + batch;
                driver.LaunchTasks([offer.Id], infos, new Filters(TimeSpan.Zero));
            }
        }
    }

    public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status)
    {
        lock (gate)
        {
            if (!int.TryParse(status.TaskId.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 0 || n >= total) return;
            if (status.State != TaskState.Running)
            {
                failure ??= $"task {status.TaskId} is {status.State}: {status.Message} {status.Reason}";
                return;
            }
            if (!running[n]) { running[n] = true; runningCount++; }
            // An answer counts once the framework re-subscribed after the kill: one from before (a retry answered by
            // a leader of the previous round, late under load) says nothing of the new leader.
            if (armedTerm == long.MaxValue || reregisteredAt == 0 || answered[n]) return;
            answered[n] = true;
            if (++answeredCount == total) reconciledAt = Stopwatch.GetTimestamp();
        }
    }

    public void Reregistered(ISchedulerDriver driver, MasterInfo master)
    {
        lock (gate)
            if (armedTerm != long.MaxValue && reregisteredAt == 0) reregisteredAt = Stopwatch.GetTimestamp();
    }

    public void Error(ISchedulerDriver driver, string message)
    {
        lock (gate) failure ??= $"framework error: {message}";
    }

    /// <summary>The term in an offer id (<c>t3-1a2b3c4d-O17</c>: 3); 0 when it does not carry one.</summary>
    private static long TermOf(Offer offer) =>
        offer.Id.StartsWith('t') && offer.Id.IndexOf('-') is > 1 and var dash
        && long.TryParse(offer.Id.AsSpan(1, dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var term) ? term : 0;

    public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master) { }
    public void Disconnected(ISchedulerDriver driver) { }
    public void OfferRescinded(ISchedulerDriver driver, string offerId) { }
    public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data) { }
    public void AgentLost(ISchedulerDriver driver, string agentId) { }
    public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status) { }
}
