using System.Net;
using DotNext.Net.Cluster.Consensus.Raft;
using Mesos.HA.Replication.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Replication;

/// <summary>
/// One incarnation of this master's Raft member: DotNext's TCP cluster, its durable write-ahead
/// log, and the registry state machine over FASTER. Built and torn down as a unit so that a faulty
/// member can be restarted in place (see <see cref="WalFaultDetector"/>).
/// </summary>
internal sealed partial class RaftNode : IAsyncDisposable
{
    public const string HttpMetadataKey = "mesos-ha-http";

    private RaftNode(RaftCluster cluster, FlushBeforeAckLog log, RegistryStateMachine stateMachine, MembershipStorage membership)
    {
        Cluster = cluster;
        Log = log;
        StateMachine = stateMachine;
        Membership = membership;
    }

    public RaftCluster Cluster { get; }
    public MembershipStorage Membership { get; }
    public FlushBeforeAckLog Log { get; }
    public RegistryStateMachine StateMachine { get; }

    public static async Task<RaftNode> StartAsync(ReplicationOptions options, ILoggerFactory raftLoggerFactory,
        ILogger logger, CancellationToken token)
    {
        // The state machine restores its checkpoint before the log is built: the log reads the
        // snapshot index in its constructor to decide where replay starts.
        var stateMachine = RegistryStateMachine.Open(Path.Combine(options.DataDirectory, RegistryDirectoryName), options, logger);
        FlushBeforeAckLog? log = null;
        RaftCluster? cluster = null;
        var membership = new MembershipStorage(Path.Combine(options.DataDirectory, MembershipStorage.FileName));
        try
        {
            // The flags only seed a brand-new group; a stored membership (changed online since) wins.
            // A joining master stores nothing and starts frozen until a configuration naming it arrives.
            if (!options.Join && !await membership.SeedIfEmptyAsync(options.Members, token).ConfigureAwait(false))
                LogStoredMembership(logger, string.Join(",", (await membership.ReadAsync(token).ConfigureAwait(false)).Select(m => m.ToString())));
            // Followers answer AppendEntries only once the new entries are flushed (see FlushBeforeAckLog).
            log = new FlushBeforeAckLog(LogOptions(options), stateMachine);
            var configuration = new RaftCluster.TcpConfiguration(options.RaftEndPoint)
            {
                LowerElectionTimeout = (int)options.LowerElectionTimeout.TotalMilliseconds,
                UpperElectionTimeout = (int)options.UpperElectionTimeout.TotalMilliseconds,
                HeartbeatThreshold = options.HeartbeatThreshold,
                RequestTimeout = options.RequestTimeout,
                // Connecting to a member that is cut off fails only after this; it must end well
                // within the candidate's election timeout or the round is lost waiting for that vote.
                ConnectTimeout = options.ConnectTimeout,
                // The accept queue of a paused (SIGSTOP) member is served by its kernel: while it has
                // room, connects succeed and the requests then wait the whole request timeout. A queue
                // just large enough for the other members makes later connects fail after ConnectTimeout.
                ServerBacklog = options.EffectiveServerBacklog,
                ColdStart = false,
                ConfigurationStorage = membership,
                WarmupRounds = options.WarmupRounds,
                LoggerFactory = raftLoggerFactory,
                MaxReplicationLag = options.MaxReplicationLag,
                // The lease (renewed by every heartbeat round a majority answers) is how a leader
                // cut off from its majority notices within about an election timeout.
                IsLeaderLeaseEnabled = true,
                SslOptions = options.Tls is { } tls ? new RaftTls(tls) : null,
                // AggressiveLeaderStickiness stays off: with it, followers of a paused (SIGSTOP)
                // leader whose port still accepts connections waited ~6 s to elect a new one
                // (LeaderKillsAndPauses chaos). The price: a member that restarts may win a
                // pre-vote from the leader and cause one extra election.
            };
            configuration.Metadata[HttpMetadataKey] = options.HttpAddress;
            cluster = new RaftCluster(configuration) { AuditTrail = log };
            await cluster.StartAsync(token).ConfigureAwait(false);
            return new RaftNode(cluster, log, stateMachine, membership);
        }
        catch
        {
            cluster?.Dispose();
            if (log is not null) await log.DisposeAsync().ConfigureAwait(false);
            stateMachine.Dispose();
            membership.Dispose();
            throw;
        }
    }

    /// <summary>The options of this master's write-ahead log (<paramref name="options"/>' data directory).</summary>
    internal static WriteAheadLog.Options LogOptions(ReplicationOptions options) => new()
    {
        Location = Path.Combine(options.DataDirectory, LogDirectoryName),
        ConcurrencyLevel = 256,
        // DotNext's default chunk is one OS page, and every chunk is a file of its own:
        // under load the log then spends its time creating and mapping files.
        ChunkSize = options.WalChunkBytes,
        // Tagged like DotNext's Raft measurements so RaftActivity tells this member's flushes apart.
        MeasurementTags = new System.Diagnostics.TagList { { RaftActivity.AddressTag, options.RaftEndPoint.ToString() } },
        MemoryManagement = options.EmulatePowerLoss
            ? WriteAheadLog.MemoryManagementStrategy.PrivateMemory
            : WriteAheadLog.MemoryManagementStrategy.SharedMemory,
    };

    /// <summary>
    /// Runs a throw-away two-member group on loopback in this process, with scratch data under
    /// <paramref name="options"/>' data directory, until it has elected a leader and committed that
    /// leader's first entry on both members; then deletes it. Best effort: gives up after
    /// <paramref name="limit"/> and says so.
    /// </summary>
    /// <remarks>
    /// Why: a new leader's first heartbeat round carries its term's first entry, and in a fresh process
    /// that round runs most of the replication path for the first time on both ends (transport, log
    /// append, chunk files, flush, commit, apply): measured 300-400 ms on a loaded 2-core machine, during
    /// which DotNext sends no other heartbeat, so the followers' 150-200 ms election timers ran out and
    /// they elected again. Paid here, before this member can vote, the real first round is quick.
    /// </remarks>
    public static async Task WarmUpAsync(ReplicationOptions options, ILogger logger, TimeSpan limit, CancellationToken token)
    {
        var root = Path.Combine(options.DataDirectory, "raft-warmup");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var nodes = new List<RaftNode>();
        try
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
            IPEndPoint[] members = [FreeLoopbackEndPoint(), FreeLoopbackEndPoint()];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(limit);
            foreach (var member in members)
            {
                var scratch = options with
                {
                    RaftEndPoint = member,
                    Members = members,
                    DataDirectory = Path.Combine(root, member.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    HttpAddress = "",
                    Join = false, // the scratch pair seeds its own membership
                };
                nodes.Add(await StartAsync(scratch, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
                    Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, timeout.Token).ConfigureAwait(false));
            }
            // Leadership is granted once the leader's first entry is committed; the follower commits it on the next round.
            var leader = await Task.WhenAny(nodes.Select(n => n.Cluster.WaitForLeadershipAsync(timeout.Token)))
                .ConfigureAwait(false);
            await leader.ConfigureAwait(false);
            while (nodes.Any(n => n.Log.LastCommittedEntryIndex < 1 || n.Log.LastAppliedIndex < 1))
                await Task.Delay(5, timeout.Token).ConfigureAwait(false);
            LogWarmedUp(logger, (long)clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !token.IsCancellationRequested)
        {
            LogWarmUpFailed(logger, (long)clock.Elapsed.TotalMilliseconds, e.Message);
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync().ConfigureAwait(false);
            try { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static IPEndPoint FreeLoopbackEndPoint()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }

    /// <summary>
    /// Deletes this master's Raft log and registry store, keeping the Raft term and vote (a member must
    /// never vote twice in a term) and the membership. The next start is that of a wiped member: the
    /// leader sends it a snapshot and the log after it. Call only while no node runs on the directory.
    /// </summary>
    public static void DiscardLocalState(ReplicationOptions options)
    {
        var raft = new DirectoryInfo(Path.Combine(options.DataDirectory, LogDirectoryName));
        if (raft.Exists)
        {
            foreach (var file in raft.EnumerateFiles().Where(f => f.Name != NodeStateFileName)) file.Delete();
            foreach (var directory in raft.EnumerateDirectories()) directory.Delete(recursive: true);
        }
        var registry = Path.Combine(options.DataDirectory, RegistryDirectoryName);
        if (Directory.Exists(registry)) Directory.Delete(registry, recursive: true);
    }

    private const string LogDirectoryName = "raft";
    private const string RegistryDirectoryName = "registry";

    /// <summary>The file in which DotNext's write-ahead log keeps the term and the vote.</summary>
    private const string NodeStateFileName = "state";

    [LoggerMessage(Level = LogLevel.Information, Message = "Raft replication path warmed up in {ElapsedMs} ms")]
    private static partial void LogWarmedUp(ILogger logger, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Raft warm-up gave up after {ElapsedMs} ms: {Reason}")]
    private static partial void LogWarmUpFailed(ILogger logger, long elapsedMs, string reason);

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Cluster.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { /* stopping is best effort; disposal below releases everything */ }
        Cluster.Dispose();
        await Log.DisposeAsync().ConfigureAwait(false);
        StateMachine.Dispose();
        Membership.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Using the stored Raft membership {Members} (the peers given at start only seed a new group)")]
    private static partial void LogStoredMembership(ILogger logger, string members);
}
