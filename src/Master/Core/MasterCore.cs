using Mesos.HA.Master.Allocation;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

/// <summary>
/// The leading master's decisions about agents, frameworks, offers and tasks, as a pure state
/// machine: every call takes the time it happens at and returns the effects the shell must carry
/// out (messages to send). No sockets, no clock, no randomness; never called concurrently.
/// This part covers resources and offers: what each agent has, offers made from the allocator's
/// decisions, ACCEPT with LAUNCH validated against the offers, DECLINE with filters, rescinds.
/// </summary>
public sealed partial class MasterCore
{
    private readonly MasterCoreOptions options;
    private readonly SortedDictionary<string, AgentEntry> agents = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, FrameworkEntry> frameworks = new(StringComparer.Ordinal);
    private readonly HeldResources held = new();
    private readonly OfferTable offers;
    private readonly TaskTable tasks;
    private readonly List<OfferFilter> filters = new();
    // The (framework, agent) pairs in filters, so a decline finds the filter it replaces without walking them all.
    private readonly HashSet<(FrameworkId, AgentId)> filteredPairs = new();
    private readonly DrfAllocator allocator;
    private long offerCounter;
    private Resources? clusterTotal; // the sum of agents' totals; null when agents changed since

    public MasterCore(MasterCoreOptions options)
    {
        this.options = options;
        offers = new OfferTable(held);
        tasks = new TaskTable(held);
        executors = new ExecutorTable(held);
        allocator = new DrfAllocator(options.Minimum);
    }

    public IReadOnlyCollection<Offer> Offers => offers.Values;

    public IEnumerable<TrackedTask> Tasks => tasks.Values;

    /// <summary>Adds an agent whose registration is already recorded (tests and the allocator's view).</summary>
    public void AddAgent(AgentId id, Resources total, DateTimeOffset? now = null)
    {
        agents[id.Value] = new AgentEntry(id, total) { LastSeen = now ?? DateTimeOffset.MinValue };
        clusterTotal = null;
    }

    /// <summary>The agent is gone (removed or unreachable): its outstanding offers are rescinded and its executors hold nothing.</summary>
    public IReadOnlyList<Effect> RemoveAgent(AgentId id)
    {
        var effects = RescindOnAgent(id).Concat(RescindInverseWhere(i => i.Agent == id)).ToArray();
        ForgetExecutorsOn(id);
        agents.Remove(id.Value);
        clusterTotal = null;
        return effects;
    }

    public void AddFramework(FrameworkId id, IReadOnlyList<string> roles, bool partitionAware = true, TimeSpan? failoverTimeout = null) =>
        frameworks[id.Value] = new FrameworkEntry(id, roles) { PartitionAware = partitionAware, FailoverTimeout = failoverTimeout ?? TimeSpan.Zero };


    public void Suppress(FrameworkId id, string role)
    {
        if (frameworks.TryGetValue(id.Value, out var framework)) framework.Suppressed.Add(role);
    }

    /// <summary>REVIVE: offers resume for the role and the framework's filters are cleared.</summary>
    public void Revive(FrameworkId id, string role)
    {
        if (!frameworks.TryGetValue(id.Value, out var framework)) return;
        framework.Suppressed.Remove(role);
        filters.RemoveAll(f => f.Framework == id && Unfiltered(f));
    }

    /// <summary>What an agent has free: its total less what tasks and executors use and what is offered.</summary>
    public Resources AvailableOn(AgentId id) =>
        agents[id.Value].Total.Subtract(Holdings().Where(h => h.Agent == id)
            .Aggregate(Resources.Empty, (sum, h) => sum.Add(h.Resources)));

    private static bool IsLive(TaskState state) => state is TaskState.Staging or TaskState.Starting or TaskState.Running or TaskState.Killing;

    private sealed class AgentEntry(AgentId id, Resources total)
    {
        public AgentId Id { get; } = id;
        public Resources Total { get; } = total;
        public DateTimeOffset LastSeen { get; set; }

        /// <summary>Liveness reports (<see cref="AgentsSeen"/>) in a row that did not name the agent.</summary>
        public int MissedReports { get; set; }

        public bool OvercommitReported { get; set; }

        /// <summary>The hostname and IP the agent registered with, which place it on a machine.</summary>
        public string Hostname { get; set; } = "";
        public string Ip { get; set; } = "";

        /// <summary>The scheduled machine the agent runs on; null when its machine is UP.</summary>
        public Mesos.HA.Protocol.Registry.MachineRecord? Machine { get; set; }

        private AllocatorAgent? free;

        /// <summary>
        /// The agent as the allocator sees it with <paramref name="taken"/> given out (which must fit its
        /// total); the last answer is kept while <paramref name="taken"/> is the same instance.
        /// </summary>
        public AllocatorAgent Free(Resources taken)
        {
            if (free is null || !ReferenceEquals(freeOf, taken))
            {
                free = new AllocatorAgent(Id, Total.Subtract(taken));
                freeOf = taken;
            }
            return free;
        }

        private Resources? freeOf;
    }

    private sealed class FrameworkEntry(FrameworkId id, IReadOnlyList<string> roles)
    {
        public FrameworkId Id { get; } = id;
        public IReadOnlyList<string> Roles { get; } = roles;
        public HashSet<string> Suppressed { get; } = new(StringComparer.Ordinal);
        public bool Connected { get; set; } = true;
        public bool PartitionAware { get; init; } = true;
        public TimeSpan FailoverTimeout { get; init; }
        public DateTimeOffset? DisconnectedAt { get; set; }

        /// <summary>Not torn down before this (a framework that was connected when its master failed gets the re-registration window).</summary>
        public DateTimeOffset? KeptUntil { get; set; }
    }
}
