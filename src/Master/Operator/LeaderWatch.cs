using Mesos.HA.Replication;

namespace Mesos.HA.Master.Operator;

/// <summary>Counts the leader changes this master observes (for <c>master/leader_changes</c>).</summary>
public sealed class LeaderWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long changes;

    public LeaderWatch(ReplicatedRegistry registry, TimeProvider time)
    {
        loop = Task.Run(async () =>
        {
            string? last = null;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100), time);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    if (registry.Leader?.RaftEndPoint is not { } now || now == last) continue;
                    if (last is not null) Interlocked.Increment(ref changes);
                    last = now;
                }
            }
            catch (OperationCanceledException) { }
        });
    }

    public long Changes => Interlocked.Read(ref changes);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stop.Dispose();
    }
}
