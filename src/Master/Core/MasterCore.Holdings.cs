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

        public int Count => offers.Count;

        public Dictionary<OfferId, Offer>.ValueCollection Values => offers.Values;

        public bool TryGetValue(OfferId id, out Offer offer) => offers.TryGetValue(id, out offer!);

        public Offer this[OfferId id]
        {
            get => offers[id];
            set
            {
                Remove(id);
                offers[id] = value;
                held.Add(value.Agent, value.Framework, value.Role, value.Resources);
            }
        }

        public bool Remove(OfferId id)
        {
            if (!offers.Remove(id, out var gone)) return false;
            held.Remove(gone.Agent, gone.Framework, gone.Role, gone.Resources);
            return true;
        }
    }

    /// <summary>The tracked tasks by framework and id; every change to a live task reaches the <see cref="HeldResources"/>.</summary>
    private sealed class TaskTable(HeldResources held)
    {
        private readonly Dictionary<(FrameworkId Framework, TaskId Task), TrackedTask> tasks = new();

        public Dictionary<(FrameworkId Framework, TaskId Task), TrackedTask>.ValueCollection Values => tasks.Values;

        public bool ContainsKey((FrameworkId, TaskId) key) => tasks.ContainsKey(key);

        public bool TryGetValue((FrameworkId, TaskId) key, out TrackedTask task) => tasks.TryGetValue(key, out task!);

        public TrackedTask this[(FrameworkId, TaskId) key]
        {
            get => tasks[key];
            set
            {
                if (tasks.TryGetValue(key, out var old) && IsLive(old.State)) held.Remove(old.Agent, old.Framework, old.Role, old.Resources);
                tasks[key] = value;
                if (IsLive(value.State)) held.Add(value.Agent, value.Framework, value.Role, value.Resources);
            }
        }

        public bool Remove((FrameworkId, TaskId) key, out TrackedTask task)
        {
            if (!tasks.Remove(key, out task!)) return false;
            if (IsLive(task.State)) held.Remove(task.Agent, task.Framework, task.Role, task.Resources);
            return true;
        }
    }
}
