using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    /// <summary>
    /// What is given out (outstanding offers and live tasks) summed per agent and per framework and
    /// role, kept up to date as offers and tasks change, so an allocation pass need not walk every offer
    /// and task to learn what is free. Scalar sums are exact both ways. Ranges and sets are not: two
    /// holdings may overlap (an overcommitted port), and taking one away would take the other's values
    /// too; so removing a holding that has any marks the sums stale, and the next pass recounts them from
    /// the offers and tasks, as every pass did before.
    /// </summary>
    private sealed class HeldResources
    {
        // Keyed by the id's string: a plain string key hashes without the randomized hash an id struct's
        // default comparer takes, and every allocation pass asks once per agent.
        private readonly Dictionary<string, Resources> byAgent = new(StringComparer.Ordinal);
        private readonly Dictionary<FrameworkId, Dictionary<string, Resources>> byFramework = new();

        public bool Stale { get; private set; }

        public void Add(AgentId agent, FrameworkId framework, string role, Resources resources)
        {
            if (Stale) return;
            byAgent[agent.Value] = byAgent.TryGetValue(agent.Value, out var taken) ? taken.Add(resources) : resources;
            if (!byFramework.TryGetValue(framework, out var byRole))
                byFramework[framework] = byRole = new Dictionary<string, Resources>(StringComparer.Ordinal);
            byRole[role] = byRole.TryGetValue(role, out var held) ? held.Add(resources) : resources;
        }

        public void Remove(AgentId agent, FrameworkId framework, string role, Resources resources)
        {
            if (Stale) return;
            if (!resources.Ranges.IsEmpty || !resources.Sets.IsEmpty)
            {
                Stale = true;
                return;
            }
            byAgent[agent.Value] = byAgent[agent.Value].Subtract(resources);
            var byRole = byFramework[framework];
            byRole[role] = byRole[role].Subtract(resources);
        }

        /// <summary>Starts again from everything given out now.</summary>
        public void Recount(IEnumerable<(AgentId Agent, FrameworkId Framework, string Role, Resources Resources)> holdings)
        {
            byAgent.Clear();
            byFramework.Clear();
            Stale = false;
            foreach (var (agent, framework, role, resources) in holdings) Add(agent, framework, role, resources);
        }

        /// <summary>What the agent has given out (a new instance whenever that changes).</summary>
        public Resources OnAgent(AgentId agent) => byAgent.GetValueOrDefault(agent.Value) ?? Resources.Empty;

        /// <summary>What the framework holds per role (roles it no longer holds anything in may map to empty).</summary>
        public IReadOnlyDictionary<string, Resources>? OfFramework(FrameworkId framework) => byFramework.GetValueOrDefault(framework);
    }

    /// <summary>The outstanding offers by id; every change reaches the <see cref="HeldResources"/>.</summary>
    private sealed class OfferTable(HeldResources held)
    {
        private readonly Dictionary<OfferId, Offer> offers = new();
        // The offers on each agent: an agent's re-registration or loss touches its own, not every offer.
        private readonly Dictionary<AgentId, HashSet<OfferId>> byAgent = new();

        public int Count => offers.Count;

        public Dictionary<OfferId, Offer>.ValueCollection Values => offers.Values;

        public bool TryGetValue(OfferId id, out Offer offer) => offers.TryGetValue(id, out offer!);

        /// <summary>The outstanding offers of one agent (in no particular order).</summary>
        public IEnumerable<Offer> OnAgent(AgentId agent) =>
            byAgent.TryGetValue(agent, out var ids) ? ids.Select(id => offers[id]) : [];

        public Offer this[OfferId id]
        {
            get => offers[id];
            set
            {
                Remove(id);
                offers[id] = value;
                Index(byAgent, value.Agent).Add(id);
                held.Add(value.Agent, value.Framework, value.Role, value.Resources);
            }
        }

        public bool Remove(OfferId id)
        {
            if (!offers.Remove(id, out var gone)) return false;
            Unindex(byAgent, gone.Agent, id);
            held.Remove(gone.Agent, gone.Framework, gone.Role, gone.Resources);
            return true;
        }
    }

    private static HashSet<T> Index<T>(Dictionary<AgentId, HashSet<T>> index, AgentId agent)
    {
        if (!index.TryGetValue(agent, out var set)) index[agent] = set = [];
        return set;
    }

    private static void Unindex<T>(Dictionary<AgentId, HashSet<T>> index, AgentId agent, T key)
    {
        if (index.TryGetValue(agent, out var set) && set.Remove(key) && set.Count == 0) index.Remove(agent);
    }

    /// <summary>The tracked tasks by framework and id; every change to a live task reaches the <see cref="HeldResources"/>.</summary>
    private sealed class TaskTable(HeldResources held)
    {
        private readonly Dictionary<(FrameworkId Framework, TaskId Task), TrackedTask> tasks = new();
        // The tasks on each agent: an agent's re-registration or loss touches its own, not every task.
        private readonly Dictionary<AgentId, HashSet<(FrameworkId, TaskId)>> byAgent = new();

        public Dictionary<(FrameworkId Framework, TaskId Task), TrackedTask>.ValueCollection Values => tasks.Values;

        /// <summary>The tasks tracked on one agent, whatever their state (in no particular order).</summary>
        public IEnumerable<TrackedTask> OnAgent(AgentId agent) =>
            byAgent.TryGetValue(agent, out var keys) ? keys.Select(k => tasks[k]) : [];

        public bool ContainsKey((FrameworkId, TaskId) key) => tasks.ContainsKey(key);

        public bool TryGetValue((FrameworkId, TaskId) key, out TrackedTask task) => tasks.TryGetValue(key, out task!);

        public TrackedTask this[(FrameworkId, TaskId) key]
        {
            get => tasks[key];
            set
            {
                if (tasks.TryGetValue(key, out var old))
                {
                    if (IsLive(old.State)) held.Remove(old.Agent, old.Framework, old.Role, old.Resources);
                    if (old.Agent != value.Agent) Unindex(byAgent, old.Agent, key);
                }
                tasks[key] = value;
                Index(byAgent, value.Agent).Add(key);
                if (IsLive(value.State)) held.Add(value.Agent, value.Framework, value.Role, value.Resources);
            }
        }

        public bool Remove((FrameworkId, TaskId) key, out TrackedTask task)
        {
            if (!tasks.Remove(key, out task!)) return false;
            Unindex(byAgent, task.Agent, key);
            if (IsLive(task.State)) held.Remove(task.Agent, task.Framework, task.Role, task.Resources);
            return true;
        }
    }
}
