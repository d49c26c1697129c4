using System.Net;
using Mesos.HA.Replication.Registry;
using Mesos.HA.Replication.Storage;

namespace Mesos.HA.Replication;

/// <summary>How one master takes part in the Raft group. Validated by <see cref="Validate"/> at start.</summary>
public sealed record ReplicationOptions
{
    /// <summary>This member's Raft endpoint (one of <see cref="Members"/> unless it <see cref="Join"/>s).</summary>
    public required IPEndPoint RaftEndPoint { get; init; }

    /// <summary>
    /// The group's members, this one included, for a brand-new group: 3 or 5 endpoints (1 is allowed
    /// for development). Only a seed: once a membership is stored in the data directory, that one is
    /// used and this list is ignored. Empty or informational when <see cref="Join"/> is set.
    /// </summary>
    public required IReadOnlyList<IPEndPoint> Members { get; init; }

    /// <summary>
    /// This master is new to an existing group: with nothing stored it starts frozen (standby, no
    /// vote, no election) and waits until the leader adds it (<c>POST /master/members</c>).
    /// </summary>
    public bool Join { get; init; }

    /// <summary>Replication rounds the leader spends catching a member up before it joins the configuration (DotNext's WarmupRounds).</summary>
    public int WarmupRounds { get; init; } = 10;

    /// <summary>
    /// After a requested step-down the old leader stays out of elections (standby) until another
    /// leader is known or this long has passed, so that it does not win the next election itself.
    /// Zero resigns without holding back.
    /// </summary>
    public TimeSpan StepDownHoldOff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where the Raft log and the registry store live.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The HTTP address clients of this master use; published to the group so followers can redirect to the leader.</summary>
    public string HttpAddress { get; init; } = "";

    public TimeSpan LowerElectionTimeout { get; init; } = TimeSpan.FromMilliseconds(150);
    public TimeSpan UpperElectionTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Heartbeat period as a fraction of the lower election timeout (DotNext's HeartbeatThreshold).</summary>
    public double HeartbeatThreshold { get; init; } = 0.1;

    /// <summary>
    /// Raft request timeout. It must cover a snapshot install on a cold member: when an install
    /// outlasts it, DotNext resends the snapshot, the member refuses an install at its own commit
    /// index, and the leader retries in a tight loop until its next checkpoint (seen at 300 ms by
    /// WipedMember_RejoinsThroughASnapshot). A cut-off leader is stepped down by the lease check,
    /// not by this timeout.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Raft connect timeout. Must be well below <see cref="LowerElectionTimeout"/>: a candidate's round
    /// ends when its election timeout passes with any vote still pending, so a connect to a cut-off
    /// member that outlasts it loses the round (measured: ~1.5 s partition failover when it equalled
    /// the lower election timeout). Loopback and LAN connects take well under a millisecond.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Listen backlog of the Raft port (DotNext's ServerBacklog; the kernel queues one more). Null:
    /// one less than the number of other members, at least 1. See <see cref="RaftNode"/>.
    /// </summary>
    public int? ServerBacklog { get; init; }

    /// <summary>
    /// How long a leader whose lease expired (no majority answered a heartbeat round within the
    /// lease, about the lower election timeout) waits for a renewal before it resigns. Until then it
    /// accepts no proposals.
    /// </summary>
    public TimeSpan LeaseGrace { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// How long after winning an election a leader whose lease expires waits <see cref="RequestTimeout"/>
    /// instead of <see cref="LeaseGrace"/> before it resigns: the first rounds of a term are slow
    /// (first write, first flush, code running for the first time) without anything being wrong.
    /// </summary>
    public TimeSpan LeaderSettling { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Replication rounds that may queue for one follower before it is reported slow (DotNext's default of 16 is too low for 64 concurrent writers).</summary>
    public int MaxReplicationLag { get; init; } = 1024;

    /// <summary>Proposals that may wait for a replication slot; callers beyond it wait (back-pressure).</summary>
    public int ProposalQueueCapacity { get; init; } = 8192;

    /// <summary>Log entries being replicated at once; proposals arriving meanwhile are packed into the next entry.</summary>
    public int MaxReplicationsInFlight { get; init; } = 2;

    /// <summary>Size of one write-ahead-log chunk file (measured: 4 KiB chunks cost half the write throughput).</summary>
    public int WalChunkBytes { get; init; } = 1 << 20;

    /// <summary>Most commands packed into one log entry.</summary>
    public int MaxCommandsPerEntry { get; init; } = 512;

    /// <summary>Entries between FASTER checkpoints (Raft snapshots).</summary>
    public long SnapshotIntervalEntries { get; init; } = 8192;

    /// <summary>When the FASTER log outgrows this, the next checkpoint rewrites the store into a fresh generation.</summary>
    public long CompactionThresholdBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Before the Raft member first starts, run a throw-away two-member group in this process until it
    /// commits an entry (see <see cref="RaftNode.WarmUpAsync"/>), so this member's first rounds are not
    /// slow enough to trigger an election. Off for in-process test groups that start many members.
    /// </summary>
    public bool WarmUp { get; init; }

    /// <summary>
    /// Tests only: the write-ahead log keeps pages in private memory until they are flushed (DotNext's
    /// <c>PrivateMemory</c> strategy), so a killed process loses whatever was not flushed, as a machine
    /// losing power would. With the default shared memory-mapped pages the kernel keeps them.
    /// </summary>
    public bool EmulatePowerLoss { get; init; }

    /// <summary>Tests only: the known bugs this master runs with (see <see cref="InjectedBugs"/>). None unless a test asks.</summary>
    public InjectedBugs InjectedBugs { get; init; }

    /// <summary>
    /// Mutual TLS on the Raft transport: this master presents its certificate and accepts only members whose
    /// certificates chain to the same authority (<c>--tls-*</c>). Null: plain TCP.
    /// </summary>
    public Protocol.Security.TlsIdentity? Tls { get; init; }

    public FasterStoreOptions Store { get; init; } = new();

    public RegistryLimits Limits { get; init; } = RegistryLimits.Default;

    /// <summary>The listen backlog to use (see <see cref="ServerBacklog"/>).</summary>
    public int EffectiveServerBacklog => ServerBacklog ?? Math.Max(1, Members.Count - 2);

    /// <summary>Returns null when the options are usable, otherwise what is wrong.</summary>
    public string? Validate()
    {
        if (Members.Distinct().Count() != Members.Count) return "a Raft member is listed twice";
        if (Join)
        {
            // A listed master starts as a member of the seed; joining is for one the group does not know yet.
            if (Members.Contains(RaftEndPoint))
                return $"this master's Raft endpoint {RaftEndPoint} is among the peers: a listed master is a member already (drop --join)";
        }
        else
        {
            if (Members.Count == 0) return "no Raft members given";
            if (!Members.Contains(RaftEndPoint))
                return $"this master's Raft endpoint {RaftEndPoint} is not among the peers (a new master joining a running group needs --join)";
            if (Members.Count % 2 == 0) return $"{Members.Count} members: use an odd number (3 or 5) so a majority survives a split";
        }
        if (WarmupRounds < 1) return "warm-up rounds must be at least 1";
        if (StepDownHoldOff < TimeSpan.Zero) return "step-down hold-off must not be negative";
        if (LowerElectionTimeout <= TimeSpan.Zero || UpperElectionTimeout <= LowerElectionTimeout)
            return "election timeouts must be positive with lower < upper";
        if (HeartbeatThreshold is <= 0 or >= 1) return "heartbeat threshold must be between 0 and 1";
        if (RequestTimeout <= TimeSpan.Zero) return "request timeout must be positive";
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout >= LowerElectionTimeout)
            return "connect timeout must be positive and below the lower election timeout";
        if (ServerBacklog is < 1) return "server backlog must be at least 1";
        if (SnapshotIntervalEntries < 2) return "snapshot interval must be at least 2 entries";
        if (string.IsNullOrWhiteSpace(DataDirectory)) return "data directory is missing";
        return null;
    }
}
