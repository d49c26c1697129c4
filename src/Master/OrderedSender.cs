using Mesos.HA.Master.Core;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master;

/// <summary>One decision of the core on its way out: its effects, and whoever waits for them to leave.</summary>
internal sealed class DecisionInFlight(IReadOnlyList<Effect> effects, TaskCompletionSource<IReadOnlyList<Effect>?>? sent)
{
    public IReadOnlyList<Effect> Effects { get; } = effects;

    /// <summary>Its effects as carried out, with those of the outcomes fed back for its registry writes.</summary>
    public List<Effect> CarriedOut { get; } = [];

    /// <summary>Its registry writes not yet settled (outcome fed back, follow-up effects carried out).</summary>
    public int Unsettled { get; set; }

    public bool EffectsDone { get; set; }

    public void Release() => sent?.TrySetResult(CarriedOut);

    /// <summary>The leadership ended before its effects left: whoever waits hears null (not leading), never "done".</summary>
    public void Abandon() => sent?.TrySetResult(null);
}

/// <summary>
/// A leadership's one sender. Effects are carried out in decision order; registry writes are pipelined:
/// a write starts at once (the registry keeps proposal order, and concurrent writes share log entries), and
/// before any message leaves, every write started before it is settled: its outcome fed back to the core
/// and the follow-up effects carried out. So no message overtakes a registry write decided before it,
/// while a burst of writes with no message between them (agents registering) commits as a group.
/// </summary>
/// <param name="write">Proposes a command; returns its outcome as the core's next input, or null when the leadership ended.</param>
/// <param name="feedBack">The core's decision on an outcome; null when the leadership ended.</param>
/// <param name="carryOut">Carries out an effect that is neither a registry write nor a message (allocation wishes, reports).</param>
/// <param name="publish">Sends a message (to the agent and framework transports).</param>
/// <param name="leaseHeld">
/// Completes true once this master's leader lease holds (at once when it does now), false when the
/// leadership ended meanwhile. Every message waits for it: a leader that was paused (a GC pause, a VM
/// freeze) and wakes up deposed must not act on what it decided before it learns so. The simulator
/// found a resumed leader's offers reaching frameworks two seconds after a new leader was elected.
/// </param>
/// <param name="dropCommits">Tests only, the injected bug <see cref="Replication.InjectedBugs.DropRegistryCommits"/>: a committed write is never fed back.</param>
internal sealed class OrderedSender(
    Func<RegistryCommand, Task<MasterInput?>> write,
    Func<MasterInput, Task<IReadOnlyList<Effect>?>> feedBack,
    Action<Effect> carryOut,
    Action<Effect> publish,
    Func<bool> stopped,
    Func<Task<bool>> leaseHeld,
    bool dropCommits = false)
{
    private readonly Queue<(Task<MasterInput?> Outcome, DecisionInFlight Owner)> writes = new();
    private readonly List<DecisionInFlight> open = [];

    /// <summary>Carries out one decision's effects (its writes may still be in flight when this returns).</summary>
    public async Task SendAsync(DecisionInFlight decision)
    {
        open.Add(decision);
        foreach (var effect in decision.Effects)
            if (!await SendAsync(effect, decision).ConfigureAwait(false)) return;
        decision.EffectsDone = true;
        ReleaseIfDone(decision);
    }

    /// <summary>Settles every write in flight, in the order they started; false when the leadership ended meanwhile.</summary>
    public async Task<bool> SettleAsync()
    {
        while (writes.TryDequeue(out var pending))
        {
            if (await pending.Outcome.ConfigureAwait(false) is not { } outcome) return false;
            if (dropCommits && outcome is RegistryWriteCommitted)
            {
                // Injected bug: the core never hears that its write committed.
                pending.Owner.Unsettled--;
                ReleaseIfDone(pending.Owner);
                continue;
            }
            if (await feedBack(outcome).ConfigureAwait(false) is not { } followUp) return false;
            foreach (var effect in followUp)
                if (!await SendAsync(effect, pending.Owner).ConfigureAwait(false)) return false;
            pending.Owner.Unsettled--;
            ReleaseIfDone(pending.Owner);
        }
        return true;
    }

    /// <summary>The leadership ended: whoever still waits is released with nothing.</summary>
    public void AbandonAll()
    {
        foreach (var decision in open) decision.Abandon();
        open.Clear();
    }

    private async Task<bool> SendAsync(Effect effect, DecisionInFlight owner)
    {
        if (stopped()) return false; // a deposed leader sends nothing more
        owner.CarriedOut.Add(effect);
        switch (effect)
        {
            case ProposeRegistry proposal:
                owner.Unsettled++;
                writes.Enqueue((write(proposal.Command), owner));
                return true;
            case AllocationWanted or AgentOvercommitted:
                carryOut(effect);
                return true;
            default:
                if (!await SettleAsync().ConfigureAwait(false) || stopped()) return false;
                if (!await leaseHeld().ConfigureAwait(false) || stopped()) return false;
                publish(effect);
                return true;
        }
    }

    private void ReleaseIfDone(DecisionInFlight decision)
    {
        if (!decision.EffectsDone || decision.Unsettled > 0) return;
        open.Remove(decision);
        decision.Release();
    }
}
