using Mesos.HA.Replication;

namespace Mesos.HA.Master;

/// <summary>
/// Wakes whoever waits for a leader (<see cref="LeaderWait"/>) when what this master knows of leadership
/// changes: it starts or stops leading, learns who leads and where, or stops (or starts again) hearing from the leader. Waiters sleep on one task instead of
/// each polling: in a failover every agent and framework of the cluster may be waiting at once.
/// </summary>
internal sealed class LeaderSignal : IAsyncDisposable
{
    /// <summary>How often the one watcher looks at the registry's knowledge of the leader (learnt in the background).</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    private readonly CancellationTokenSource stop = new();
    private readonly Task watcher;
    private TaskCompletionSource changed = NewSource();

    public LeaderSignal(IRegistryLeadership registry, TimeProvider time)
    {
        var last = (registry.Leader, registry.LeaderQuiet); // taken now, before any waiter looks: every later change is seen
        watcher = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(Interval, time, stop.Token).ConfigureAwait(false);
                    var now = (registry.Leader, registry.LeaderQuiet);
                    if (Equals(now, last)) continue;
                    last = now;
                    Raise();
                }
            }
            catch (OperationCanceledException) { /* disposed */ }
        });
    }

    /// <summary>Completes at the next change; take it before checking the state, so that no change is missed.</summary>
    public Task Changed => Volatile.Read(ref changed).Task;

    /// <summary>Something changed: every waiter looks again.</summary>
    public void Raise() => Interlocked.Exchange(ref changed, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await watcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stop.Dispose();
        Raise();
    }
}
