using Mesos.HA.Replication;

namespace Mesos.HA.Master.Operator;

/// <summary>
/// Counts the leader changes this master observes (for <c>master/leader_changes</c>): each time the leader it
/// knows of becomes another one. Counted as the registry reports the change, so by the time this master leads
/// (or redirects to the new leader) the change is already counted.
/// </summary>
public sealed class LeaderWatch : IAsyncDisposable
{
    private readonly ReplicatedRegistry registry;
    private readonly Lock gate = new();
    private string? last;
    private long changes;

    public LeaderWatch(ReplicatedRegistry registry)
    {
        this.registry = registry;
        registry.LeaderChanged += OnLeaderChanged;
        if (registry.Leader is { } known) OnLeaderChanged(new LeaderChange(known, 0));
    }

    private void OnLeaderChanged(LeaderChange change)
    {
        if (change.Leader?.RaftEndPoint is not { } now) return;
        lock (gate)
        {
            if (now == last) return;
            if (last is not null) Interlocked.Increment(ref changes);
            last = now;
        }
    }

    public long Changes => Interlocked.Read(ref changes);

    public ValueTask DisposeAsync()
    {
        registry.LeaderChanged -= OnLeaderChanged;
        return ValueTask.CompletedTask;
    }
}
