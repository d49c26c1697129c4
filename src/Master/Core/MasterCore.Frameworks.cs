using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    /// <summary>
    /// The framework's connection dropped: its offers go back to the pool and the registry records
    /// when it left, so its failover timeout keeps running even if this master fails over.
    /// </summary>
    public IReadOnlyList<Effect> DisconnectFramework(FrameworkId id, DateTimeOffset now)
    {
        if (!frameworks.TryGetValue(id.Value, out var framework)) return [];
        framework.Connected = false;
        framework.DisconnectedAt ??= now;
        var effects = new List<Effect>
        {
            new ProposeRegistry(new UpdateFramework(id, null, null, FrameworkConnectionChange.Disconnected, now.ToUnixTimeMilliseconds())),
        };
        effects.AddRange(RescindWhere(o => o.Framework == id));
        effects.AddRange(RescindInverseWhere(i => i.Framework == id));
        return effects;
    }

    /// <summary>
    /// On becoming leader: a framework the registry holds. It is disconnected from this leader until
    /// it re-subscribes. Its failover timeout runs from when it was lost: the time the registry
    /// recorded if it had already disconnected (so a master failover does not restart the clock,
    /// unlike Mesos, MESOS-4659), otherwise from now, which is then recorded too. One that was
    /// connected lost its master, not its scheduler: it is kept for at least <paramref name="window"/>
    /// (the agents' re-registration window), so a failover timeout shorter than a re-subscription
    /// (Mesos' default is 0) does not tear it down before its driver finds the new leader.
    /// </summary>
    public IReadOnlyList<Effect> RecoverFramework(FrameworkId id, IReadOnlyList<string> roles, bool partitionAware,
        TimeSpan failoverTimeout, DateTimeOffset? disconnectedAt, DateTimeOffset now, TimeSpan window = default)
    {
        AddFramework(id, roles, partitionAware, failoverTimeout);
        var framework = frameworks[id.Value];
        framework.Connected = false;
        framework.DisconnectedAt = disconnectedAt ?? now;
        framework.KeptUntil = disconnectedAt is null ? now + window : null;
        return disconnectedAt is null
            ? [new ProposeRegistry(new UpdateFramework(id, null, null, FrameworkConnectionChange.Disconnected, now.ToUnixTimeMilliseconds()))]
            : [];
    }

    /// <summary>
    /// The framework re-subscribed with its id within its failover timeout: it keeps its tasks. The offers
    /// (and inverse offers) its previous connection held are rescinded, as Mesos does on a framework
    /// failover: a scheduler that was killed before this master saw its stream end left them with an
    /// instance that will never answer, and without an offer timeout they would be held for good.
    /// </summary>
    public IReadOnlyList<Effect> ReconnectFramework(FrameworkId id, DateTimeOffset now)
    {
        if (!frameworks.TryGetValue(id.Value, out var framework)) return [];
        framework.Connected = true;
        framework.DisconnectedAt = null;
        framework.KeptUntil = null;
        return
        [
            new ProposeRegistry(new UpdateFramework(id, null, null, FrameworkConnectionChange.Connected, now.ToUnixTimeMilliseconds())),
            .. RescindWhere(o => o.Framework == id),
            .. RescindInverseWhere(i => i.Framework == id),
        ];
    }

    /// <summary>
    /// Removes frameworks disconnected for longer than their failover timeout: their live tasks are
    /// killed, their offers rescinded, and the registry forgets them.
    /// </summary>
    public IReadOnlyList<Effect> CheckFrameworks(DateTimeOffset now)
    {
        var effects = new List<Effect>();
        foreach (var framework in frameworks.Values
                     .Where(f => f.DisconnectedAt is { } at && now - at >= f.FailoverTimeout && !(f.KeptUntil is { } kept && now < kept)).ToArray())
            effects.AddRange(Teardown(framework.Id));
        return effects;
    }

    /// <summary>TEARDOWN (or failover timeout): kills the framework's tasks, shuts its executors down and removes it.</summary>
    public IReadOnlyList<Effect> Teardown(FrameworkId id)
    {
        if (!frameworks.Remove(id.Value)) return [new CallRejected(id, $"framework {id} is not registered")];
        var effects = new List<Effect>();
        effects.AddRange(RescindWhere(o => o.Framework == id));
        effects.AddRange(RescindInverseWhere(i => i.Framework == id));
        inverseFilters.RemoveAll(f => f.Framework == id);
        foreach (var task in tasks.Values.Where(t => t.Framework == id && IsLive(t.State))
                     .OrderBy(t => t.Id.Value, StringComparer.Ordinal))
            effects.Add(new KillTask(task.Agent, id, task.Id));
        effects.AddRange(StopExecutorsOf(id));
        effects.Add(new ProposeRegistry(new RemoveFramework(id)));
        return effects;
    }
}
