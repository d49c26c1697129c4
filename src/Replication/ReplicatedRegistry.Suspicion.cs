using System.Net;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Replication;

/// <summary>Noticing that the leader went quiet, so that a paused leader is replaced about as fast as a killed one.</summary>
public sealed partial class ReplicatedRegistry
{
    /// <summary>
    /// Runs for the life of an incarnation. When no leader message has reset this follower's election
    /// timer for half the lower election timeout, the last known leader is suspected and its Raft
    /// accept queue is taken with idle connections (<see cref="AcceptQueueFiller"/>), released as soon
    /// as any leader is heard from again or this master leads. Why: DotNext's pre-vote and candidate
    /// rounds wait for every member's answer (<c>RaftCluster.PreVoteAsync</c>, <c>CandidateState.EndVoting</c>);
    /// against a paused leader each waits out <c>RequestTimeout</c> (1 s) unless connecting fails.
    /// </summary>
    private async Task WatchLeaderHeartbeatsAsync(Incarnation source)
    {
        var tick = TimeSpan.FromMilliseconds(Math.Max(5, options.LowerElectionTimeout.TotalMilliseconds / 15));
        var suspectAfter = options.LowerElectionTimeout / 2;
        var connections = options.EffectiveServerBacklog + 1; // Linux queues backlog + 1 connections
        AcceptQueueFiller? filler = null;
        try
        {
            using var timer = new PeriodicTimer(tick);
            while (await timer.WaitForNextTickAsync(source.Stopping).ConfigureAwait(false))
            {
                var quiet = activity.SinceHeartbeat;
                var suspect = source.LastRemoteLeader;
                if (suspect is null || quiet < suspectAfter || quiet == TimeSpan.MaxValue || source.Node.Cluster.Leader is { IsRemote: false })
                {
                    filler?.Dispose();
                    filler = null;
                    continue;
                }
                if (filler?.Target.Equals(suspect) == true) continue;
                filler?.Dispose();
                LogLeaderQuiet(logger, suspect.ToString() ?? "", (long)quiet.TotalMilliseconds);
                filler = AcceptQueueFiller.Open(suspect, connections, options.ConnectTimeout);
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            filler?.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No message from leader {Leader} for {QuietMs} ms: taking its accept queue until a leader is heard from")]
    private static partial void LogLeaderQuiet(ILogger logger, string leader, long quietMs);
}
