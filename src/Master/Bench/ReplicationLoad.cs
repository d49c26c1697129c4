using System.Diagnostics;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication;

namespace Mesos.HA.Master.Bench;

/// <summary>
/// Closed-loop registry write load run inside the leader: each writer proposes a ~200-byte
/// SetWeights command and waits for it to commit before sending the next. Bounded by time and by
/// a sample cap; stops by itself.
/// </summary>
public static class ReplicationLoad
{
    private const int MaxSamplesPerWriter = 1_000_000;

    public static async Task<ReplicationBenchDto> RunAsync(ReplicatedRegistry registry, int writers, TimeSpan duration,
        int commandBytes, CancellationToken token)
    {
        var samples = new List<double>[writers];
        var errors = 0L;
        var padding = Math.Max(1, commandBytes - 60);
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var mine = samples[w] = new List<double>(4096);
            var role = $"bench/w{w:D3}/" + new string('x', padding);
            for (var i = 0L; Stopwatch.GetTimestamp() < deadline && mine.Count < MaxSamplesPerWriter && !token.IsCancellationRequested; i++)
            {
                var command = new SetWeights([new RoleWeight(role, 2 + (i % 1000))]);
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await registry.ProposeAsync(command, token).ConfigureAwait(false);
                    mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                catch (NotLeaderException)
                {
                    Interlocked.Increment(ref errors);
                    return;
                }
            }
        }, token)).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = Samples.Of(samples.SelectMany(s => s ?? []));
        var size = RegistryCommandCodec.Encode(new CommandEnvelope(RegistryCommandCodec.CurrentVersion, Guid.Empty,
            new SetWeights([new RoleWeight("bench/w000/" + new string('x', padding), 2)]))).Length;
        return new ReplicationBenchDto(writers, all.Count, errors, elapsed, all.Count / elapsed,
            all.Count == 0 ? 0 : all.Percentile(50), all.Count == 0 ? 0 : all.Percentile(99), size);
    }
}
