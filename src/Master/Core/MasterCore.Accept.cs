using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    /// <summary>
    /// ACCEPT with LAUNCH operations. The offers must exist, belong to the framework, be on one
    /// agent and share one role; otherwise every task is dropped (REASON_INVALID_OFFERS; not one whose
    /// id already names a task: the call is a repeat) and the framework's offers among them return to the pool. Each task is then checked (unique id,
    /// resources present and within what is left of the offers, with those of a custom executor
    /// the task starts; an executor id already running, or launched earlier in the call, must come with the
    /// same ExecutorInfo); a bad task gets TASK_ERROR and the others still launch. Unused resources return to the pool, filtered for the refuse time.
    /// </summary>
    public IReadOnlyList<Effect> Accept(FrameworkId framework, IReadOnlyList<OfferId> offerIds, IReadOnlyList<TaskLaunch> launches,
        TimeSpan? refuse, DateTimeOffset now)
    {
        if (!frameworks.ContainsKey(framework.Value)) return [new CallRejected(framework, $"framework {framework} is not subscribed")];
        if (offerIds.Count == 0) return [new CallRejected(framework, "ACCEPT names no offers")];

        var accepted = offerIds.Distinct().Select(id => offers.TryGetValue(id, out var o) && o.Framework == framework ? o : null).ToArray();
        var invalid = InvalidOffersReason(offerIds, accepted);
        if (invalid is not null)
        {
            foreach (var offer in accepted.OfType<Offer>()) offers.Remove(offer.Id);
            // A task id this master already knows is not dropped: the call repeats one that launched it (a
            // retried or duplicated request), and TASK_DROPPED would tell the framework a running task is gone.
            var dropped = launches.Where(t => !tasks.ContainsKey((framework, t.Id))
                && !(completed.TryGetValue((framework, t.Id), out var ended) && ended.State != TaskState.Dropped)).ToArray();
            var on = accepted.OfType<Offer>().FirstOrDefault();
            foreach (var t in dropped) RememberEnded(new TrackedTask(t.Id, framework, on?.Agent ?? NoAgent, on?.Role ?? "", t.Resources, TaskState.Dropped));
            return [.. dropped.Select(t => new SendUpdate(framework, t.Id, TaskState.Dropped, "REASON_INVALID_OFFERS", invalid))];
        }

        var agent = accepted[0]!.Agent;
        var role = accepted[0]!.Role;
        var left = accepted.Aggregate(Resources.Empty, (sum, o) => sum.Add(o!.Resources));
        foreach (var offer in accepted) offers.Remove(offer!.Id);

        var effects = new List<Effect>();
        var seen = new HashSet<TaskId>();
        var launchedNow = new Dictionary<string, ExecutorLaunch>(StringComparer.Ordinal);
        foreach (var launch in launches)
        {
            var (executorProblem, needed) = ExecutorNeeds(agent, framework, launch, launchedNow);
            var problem = TaskProblem(framework, launch, needed, left, seen) ?? executorProblem;
            if (problem is not null)
            {
                if (!tasks.ContainsKey((framework, launch.Id)) && !completed.ContainsKey((framework, launch.Id)))
                    RememberEnded(new TrackedTask(launch.Id, framework, agent, role, launch.Resources, TaskState.Error));
                effects.Add(new SendUpdate(framework, launch.Id, TaskState.Error, "REASON_TASK_INVALID", problem));
                continue;
            }
            seen.Add(launch.Id);
            left = left.Subtract(needed);
            if (launch.Executor is { } executor && launchedNow.TryAdd(executor.Id, executor)
                && !executors.TryGetValue((agent, framework, executor.Id), out _))
                executors.Add(new TrackedExecutor(agent, framework, role, executor));
            tasks[(framework, launch.Id)] = new TrackedTask(launch.Id, framework, agent, role, launch.Resources, TaskState.Staging)
            {
                Name = launch.Name,
                Executor = launch.Executor?.Id,
            };
            effects.Add(new LaunchTask(agent, framework, role, launch));
        }
        if (!left.IsEmpty) AddFilter(framework, agent, refuse ?? options.DefaultRefuse, now);
        return effects;
    }

    private static string? InvalidOffersReason(IReadOnlyList<OfferId> requested, Offer?[] found)
    {
        var missing = requested.Distinct().Where((id, i) => found[i] is null).ToArray();
        if (missing.Length > 0) return $"offers {string.Join(",", missing)} are unknown, expired or belong to another framework";
        if (found.Select(o => o!.Agent).Distinct().Count() > 1) return "offers span more than one agent";
        if (found.Select(o => o!.Role).Distinct().Count() > 1) return "offers are for more than one role";
        return null;
    }

    /// <summary>Why the task cannot launch, if it cannot; <paramref name="needed"/> is what it takes (with its executor's, when it starts one).</summary>
    private string? TaskProblem(FrameworkId framework, TaskLaunch launch, Resources needed, Resources left, HashSet<TaskId> seen)
    {
        if (string.IsNullOrWhiteSpace(launch.Id.Value)) return "task id is empty";
        if (seen.Contains(launch.Id)) return $"task id {launch.Id} appears twice in this call";
        if (tasks.TryGetValue((framework, launch.Id), out var existing) && IsLive(existing.State))
            return $"task id {launch.Id} is already used by a live task";
        if (launch.Resources.IsEmpty) return "task has no resources";
        if (!left.Contains(needed))
            return needed.Equals(launch.Resources) ? $"task resources {launch.Resources} exceed what is left of the offers ({left})"
                : $"task and executor resources {needed} exceed what is left of the offers ({left})";
        return null;
    }
}
