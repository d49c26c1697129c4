using Mesos.HA.Checkers;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication;
using Mesos.HA.Replication.Registry;

namespace Mesos.HA.Simulation;

/// <summary>
/// The replicated registry as Raft makes it look from outside, without Raft's messages: one leader
/// per term, elected among the members that reach a majority after an election timeout when the
/// leader is lost; a leader cut off from a majority goes on believing it leads until its lease runs
/// out (so two may believe at once, in different terms); a proposal commits only through a leader
/// that reaches a majority, in proposal order, and a commit is never undone; proposals still
/// uncommitted when the leader changes either survive into the next term or are lost, and their
/// proposer is never told which. Followers catch up while they reach the leader.
/// </summary>
public sealed class SimRaft
{
    private readonly SimLoop loop;
    private readonly SimNetwork network;
    private readonly List<Proposal> pending = [];
    private SimRaftMember? leader;
    private long term;
    private long? leaderlessSince;
    private long electionDueAt;

    public SimRaft(SimLoop loop, SimNetwork network)
    {
        this.loop = loop;
        this.network = network;
    }

    public List<SimRaftMember> Members { get; } = [];

    /// <summary>Everything committed, applied in order: what every member's copy converges to.</summary>
    public Registry Committed { get; private set; } = Registry.Empty;

    public long CommitIndex { get; private set; }

    public LeaderHistory Leaders { get; } = new();

    public List<JournalLine> Journal { get; } = [];

    /// <summary>The leader of the current term, if it still holds a majority.</summary>
    public SimRaftMember? HealthyLeader => leader is { Up: true, Leading: true } l && Reaches(l) ? l : null;

    public InjectedBugs Bugs { get; init; }

    /// <summary>Hears each committed change of the maintenance schedule, with the schedule now and the term of the leader that wrote it.</summary>
    public Action<IReadOnlyList<MachineRecord>, long>? ScheduleCommitted { get; init; }

    public SimRaftMember Add(SimNode node)
    {
        var member = new SimRaftMember(this, node);
        Members.Add(member);
        return member;
    }

    /// <summary>Starts the group's clock: checks every 25 ms.</summary>
    public void Start()
    {
        leaderlessSince = loop.NowMs;
        electionDueAt = loop.NowMs + loop.Between(150, 400);
        Check();
    }

    private void Check()
    {
        StepDownStaleLeaders();
        if (HealthyLeader is null) Elect();
        CommitDue();
        CatchUpFollowers();
        loop.After(25, Check);
    }

    /// <summary>How long a majority's last confirmation lets a leader act (shorter than any election timeout).</summary>
    public const long LeaseMs = 100;

    internal bool LeaseHolds(SimRaftMember m) => m.Leading && Active(m) && loop.NowMs - m.ConfirmedAt <= LeaseMs;

    /// <summary>Whether the member reaches a majority of the group (itself included).</summary>
    public bool Reaches(SimRaftMember m)
    {
        if (!Active(m)) return false;
        var reached = 0;
        foreach (var n in Members)
            if (Active(n) && (n == m || !network.Cut(m.Node, n.Node))) reached++;
        return reached * 2 > Members.Count;
    }

    /// <summary>Up and not paused: a paused member neither acts nor answers.</summary>
    private bool Active(SimRaftMember m) => m.Up && m.Node.PausedUntil <= loop.NowMs;

    private void StepDownStaleLeaders()
    {
        foreach (var m in Members)
        {
            if (!m.Leading || !Active(m)) continue;
            if (m.Term < term && HearsOfTerm(m, term))
            {
                StepDown(m, "saw a newer term");
                continue;
            }
            if (Reaches(m))
            {
                m.LeaseLostAt = null;
                m.ConfirmedAt = loop.NowMs;
                continue;
            }
            m.LeaseLostAt ??= loop.NowMs + loop.Between(150, 400);
            if (loop.NowMs >= m.LeaseLostAt) StepDown(m, "lease expired");
        }
    }

    /// <summary>Whether some other active member of <paramref name="current"/> reaches <paramref name="m"/>.</summary>
    private bool HearsOfTerm(SimRaftMember m, long current)
    {
        foreach (var n in Members)
            if (n != m && Active(n) && n.Term == current && !network.Cut(m.Node, n.Node)) return true;
        return false;
    }

    private void StepDown(SimRaftMember m, string why)
    {
        loop.Record($"raft {m.Node.Name} steps down from term {m.Term}: {why}");
        m.LeaseLostAt = null;
        m.Leading = false;
        Journal.Add(new JournalLine(m.Node.Name, loop.NowMicros, m.Term, Leader: false));
        m.RaiseLost(m.Term);
        m.FailProposals();
    }

    private void Elect()
    {
        if (leaderlessSince is null)
        {
            leaderlessSince = loop.NowMs;
            electionDueAt = loop.NowMs + loop.Between(150, 400);
        }
        if (loop.NowMs < electionDueAt) return;
        var candidates = Members.Where(m => Reaches(m) && !m.Leading).ToArray();
        if (candidates.Length == 0)
        {
            electionDueAt = loop.NowMs + loop.Between(150, 400);
            return;
        }
        var winner = loop.Pick(candidates);
        term++;
        // Entries of earlier terms that never committed: each survives in the new leader's log or is lost.
        foreach (var p in pending.ToArray())
        {
            pending.Remove(p);
            if (loop.Chance(0.5))
            {
                loop.Record($"raft term {term} keeps an uncommitted {p.Command.GetType().Name} of term {p.Term}");
                Apply(p.Command, term); // committed with the new term's first entry
            }
            else loop.Record($"raft term {term} loses an uncommitted {p.Command.GetType().Name} of term {p.Term}");
        }
        leader = winner;
        leaderlessSince = null;
        foreach (var m in Members.Where(m => Active(m) && (m == winner || !network.Cut(winner.Node, m.Node))))
        {
            // A leader of an older term that hears of the new one steps down first (its own term in the journal).
            if (m.Leading && m != winner) StepDown(m, "saw a newer term");
            m.Term = term;
        }
        winner.Leading = true;
        winner.ConfirmedAt = loop.NowMs;
        winner.Local = Committed;
        loop.Record($"raft {winner.Node.Name} leads term {term}");
        Leaders.Observe(term, winner.Node.Name);
        Journal.Add(new JournalLine(winner.Node.Name, loop.NowMicros, term, Leader: true));
        winner.RaiseBecame(term);
    }

    internal Task<CommandResult> Propose(SimRaftMember by, RegistryCommand command)
    {
        if (!by.Leading) return Task.FromException<CommandResult>(new NotLeaderException(by.Leader));
        var proposal = new Proposal(command, by.Term, by, new TaskCompletionSource<CommandResult>());
        pending.Add(proposal);
        loop.After(loop.Chance(0.05) ? loop.Between(20, 100) : loop.Between(1, 6), () => { proposal.Due = true; CommitDue(); });
        return proposal.Done.Task;
    }

    private void CommitDue()
    {
        if (HealthyLeader is not { } l) return;
        // In proposal order: a due entry commits with every entry before it.
        var last = pending.FindLastIndex(p => p.Due && p.Term == l.Term);
        if (last < 0) return;
        var batch = pending.Take(last + 1).ToArray();
        pending.RemoveRange(0, last + 1);
        foreach (var p in batch)
        {
            if (p.Term != l.Term) continue; // an older term's entry that was not kept (cannot happen: elections settle them)
            var result = Apply(p.Command, p.Term);
            l.Local = Committed;
            p.Done.TrySetResult(result);
        }
    }

    private CommandResult Apply(RegistryCommand command, long term)
    {
        var outcome = Committed.Apply(command);
        Committed = outcome.Next;
        CommitIndex++;
        loop.Record($"raft commit {CommitIndex} {command.GetType().Name}: {outcome.Result.Status}");
        if (command is UpdateMaintenanceSchedule or StartMaintenance or StopMaintenance && outcome.Result.Succeeded)
            ScheduleCommitted?.Invoke(Committed.ScheduledMachines(), term);
        return outcome.Result;
    }

    private void CatchUpFollowers()
    {
        if (leader is not { } l || !Active(l)) return;
        foreach (var m in Members)
        {
            if (m == l || !Active(m) || network.Cut(l.Node, m.Node)) continue;
            m.Local = Committed;
            m.KnownLeader = l;
            if (m.Term < l.Term) m.Term = l.Term;
        }
        l.KnownLeader = l;
    }

    /// <summary>A member's process died: it leads no more, and what it proposed is never answered.</summary>
    internal void Crashed(SimRaftMember m)
    {
        if (m.Leading)
        {
            m.Leading = false;
            Journal.Add(new JournalLine(m.Node.Name, loop.NowMicros, m.Term, Leader: false));
        }
        m.FailProposals();
        m.KnownLeader = null;
    }

    internal IEnumerable<Proposal> PendingOf(SimRaftMember m) => pending.Where(p => p.By == m);

    internal sealed class Proposal(RegistryCommand command, long term, SimRaftMember by, TaskCompletionSource<CommandResult> done)
    {
        public RegistryCommand Command { get; } = command;
        public long Term { get; } = term;
        public SimRaftMember By { get; } = by;
        public TaskCompletionSource<CommandResult> Done { get; } = done;
        public bool Due { get; set; }
    }
}

/// <summary>One master's member of the simulated group, through the seam the master's shell uses.</summary>
public sealed class SimRaftMember(SimRaft group, SimNode node) : IRegistryLeadership
{
    public SimNode Node { get; } = node;

    public bool Up => Node.Up;

    /// <summary>This member believes it leads <see cref="Term"/>.</summary>
    public bool Leading { get; internal set; }

    internal long? LeaseLostAt { get; set; }

    /// <summary>When a majority last confirmed this member as leader.</summary>
    internal long ConfirmedAt { get; set; }

    internal SimRaftMember? KnownLeader { get; set; }

    public event Action<LeadershipTerm>? BecameLeader;

    public event Action<long>? LostLeadership;

    /// <summary>Leads and its lease holds: a majority confirmed it within <see cref="SimRaft.LeaseMs"/>.</summary>
    public bool IsLeader => group.LeaseHolds(this);

    public long Term { get; internal set; }

    public LeaderInfo? Leader => KnownLeader is { } l ? new LeaderInfo(l.Node.Name, l.Node.Name, l == this) : null;

    public Registry LocalRegistry => Local;

    internal Registry Local { get; set; } = Registry.Empty;

    public InjectedBugs InjectedBugs => group.Bugs;

    public Task<CommandResult> ProposeAsync(RegistryCommand command, CancellationToken token = default) => group.Propose(this, command);

    internal void RaiseBecame(long term) => BecameLeader?.Invoke(new LeadershipTerm(term, CancellationToken.None));

    internal void RaiseLost(long term) => LostLeadership?.Invoke(term);

    /// <summary>Its proposals not yet answered fail: the proposer never learns whether they committed.</summary>
    internal void FailProposals()
    {
        foreach (var p in group.PendingOf(this).ToArray())
            p.Done.TrySetException(new NotLeaderException(null));
    }
}
