using System.Buffers;
using System.Text.Json;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Replication;

namespace Mesos.HA.Master.Operator;

/// <summary>
/// <c>GET /master/state</c> in the Mesos shape. The leader fills in what only it knows (used and
/// offered resources, tasks); a follower answers from its copy of the registry and says who leads.
/// </summary>
public static class StateJson
{
    /// <param name="memberHttp">HTTP addresses of other masters by Raft endpoint, as far as they are known (the leader learns them from the members' Raft metadata).</param>
    /// <param name="view">What the reader may see of frameworks, tasks and executors; null: everything.</param>
    public static byte[] Write(MasterOptions options, ReplicatedRegistry registry, DateTimeOffset startedAt, DateTimeOffset? electedAt, CoreView? core,
        IReadOnlyDictionary<string, string>? memberHttp = null, Security.ViewPermissions? view = null)
    {
        var snapshot = registry.LocalRegistry;
        if (view is not null) (snapshot, core) = Security.ViewFilter.Filter(snapshot, core, view);
        var leader = registry.Leader;
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("version", "mesos-ha " + typeof(StateJson).Assembly.GetName().Version);
            json.WriteString("id", $"master-{options.Id}");
            json.WriteString("hostname", options.HttpHost);
            json.WriteNumber("port", options.HttpPort);
            json.WriteString("pid", $"master@{options.HttpHost}:{options.HttpPort}");
            json.WriteString("role", core is null ? "follower" : "leader");
            json.WriteNumber("term", registry.Term);
            json.WriteBoolean("voting", registry.IsVoting);
            json.WriteNumber("start_time", startedAt.ToUnixTimeMilliseconds() / 1000.0);
            if (core is not null && electedAt is { } elected) json.WriteNumber("elected_time", elected.ToUnixTimeMilliseconds() / 1000.0);
            if (leader is { HttpAddress.Length: > 0 })
            {
                var (host, port) = HostPort.Parse(leader.HttpAddress);
                json.WriteString("leader", $"master@{leader.HttpAddress}");
                json.WriteStartObject("leader_info");
                json.WriteString("hostname", host);
                json.WriteNumber("port", port);
                json.WriteString("raft", leader.RaftEndPoint);
                json.WriteEndObject();
            }
            json.WriteStartArray("masters");
            // The configuration this master applied (it changes online), not the peers it was started with.
            foreach (var member in registry.Members)
            {
                json.WriteStartObject();
                json.WriteString("raft", member.RaftEndPoint);
                if (HttpOf(member, options, leader, memberHttp) is { Length: > 0 } http) json.WriteString("http", http);
                json.WriteBoolean("leader", leader?.RaftEndPoint == member.RaftEndPoint);
                json.WriteBoolean("voting", true);
                json.WriteString("status", member.Status);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            var active = snapshot.Agents.Values.Where(a => a.Status == AgentStatus.Active).OrderBy(a => a.Info.Id.Value, StringComparer.Ordinal).ToArray();
            var unreachable = snapshot.Agents.Values.Where(a => a.Status == AgentStatus.Unreachable).OrderBy(a => a.Info.Id.Value, StringComparer.Ordinal).ToArray();
            json.WriteNumber("activated_slaves", active.Length);
            json.WriteNumber("deactivated_slaves", 0);
            json.WriteNumber("unreachable_slaves", unreachable.Length);
            WriteAgents(json, active, core);
            json.WriteStartArray("unreachable_agents");
            foreach (var agent in unreachable)
            {
                json.WriteStartObject();
                json.WriteString("id", agent.Info.Id.Value);
                json.WriteString("hostname", agent.Info.Hostname);
                if (agent.UnreachableSinceMs is { } since) json.WriteNumber("unreachable_time", since / 1000.0);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            WriteFrameworks(json, snapshot.Frameworks.Values.OrderBy(f => f.Id.Value, StringComparer.Ordinal), core);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteAgents(Utf8JsonWriter json, IEnumerable<AgentRecord> agents, CoreView? core)
    {
        var views = core?.Agents.ToDictionary(a => a.Id) ?? [];
        json.WriteStartArray("slaves");
        foreach (var agent in agents)
        {
            var view = views.GetValueOrDefault(agent.Info.Id);
            json.WriteStartObject();
            json.WriteString("id", agent.Info.Id.Value);
            json.WriteString("hostname", agent.Info.Hostname);
            json.WriteString("pid", $"slave@{agent.Info.Endpoint}");
            json.WriteBoolean("active", core is null || view is not null);
            // As GET_AGENTS says it: an operator took the agent out of offers (DEACTIVATE_AGENT or DRAIN_AGENT).
            json.WriteBoolean("deactivated", agent.Maintenance is not null);
            if (agent.Maintenance is { Draining: true } drain) json.WriteString("drain_state", drain.Drained ? "DRAINED" : "DRAINING");
            json.WriteNumber("registered_time", agent.AdmittedAtMs / 1000.0);
            WriteResources(json, "resources", view?.Total ?? ResourceText.Parse(agent.Info.Resources));
            WriteResources(json, "used_resources", view?.Used ?? Resources.Empty);
            WriteResources(json, "offered_resources", view?.Offered ?? Resources.Empty);
            json.WriteStartObject("attributes");
            foreach (var (key, value) in agent.Info.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal)) json.WriteString(key, value);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    internal static void WriteFrameworks(Utf8JsonWriter json, IEnumerable<FrameworkRecord> frameworks, CoreView? core)
    {
        var views = core?.Frameworks.ToDictionary(f => f.Id) ?? [];
        var tasks = core?.Tasks.ToLookup(t => t.Framework);
        var completed = core?.CompletedTasks.ToLookup(t => t.Framework);
        json.WriteStartArray("frameworks");
        foreach (var framework in frameworks)
        {
            var view = views.GetValueOrDefault(framework.Id);
            json.WriteStartObject();
            json.WriteString("id", framework.Id.Value);
            json.WriteString("name", framework.Info.Name);
            json.WriteString("user", framework.Info.User);
            json.WriteString("role", framework.Info.Roles.FirstOrDefault() ?? "*");
            json.WriteStartArray("roles");
            foreach (var role in framework.Info.Roles) json.WriteStringValue(role);
            json.WriteEndArray();
            var connected = view?.Connected ?? framework.DisconnectedAtMs is null;
            json.WriteBoolean("active", connected);
            json.WriteBoolean("connected", connected);
            json.WriteNumber("failover_timeout", framework.FailoverTimeoutMs / 1000.0);
            json.WriteNumber("registered_time", framework.RegisteredAtMs / 1000.0);
            if (framework.DisconnectedAtMs is { } gone) json.WriteNumber("unregistered_time", gone / 1000.0);
            WriteResources(json, "used_resources", view?.Used ?? Resources.Empty);
            WriteResources(json, "offered_resources", view?.Offered ?? Resources.Empty);
            WriteTasks(json, "tasks", tasks?[framework.Id] ?? []);
            WriteTasks(json, "completed_tasks", completed?[framework.Id] ?? []);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    internal static void WriteTasks(Utf8JsonWriter json, string name, IEnumerable<TrackedTask> tasks)
    {
        json.WriteStartArray(name);
        foreach (var task in tasks)
        {
            json.WriteStartObject();
            json.WriteString("id", task.Id.Value);
            json.WriteString("framework_id", task.Framework.Value);
            json.WriteString("slave_id", task.Agent.Value);
            if (task.Executor is { } executor) json.WriteString("executor_id", executor);
            json.WriteString("state", task.State.MesosName());
            json.WriteString("role", task.Role);
            WriteResources(json, "resources", task.Resources);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>Mesos' summary form: <c>{"cpus": 4.0, "mem": 1024.0, "ports": "[31000-32000]"}</c>, all roles together.</summary>
    internal static void WriteResources(Utf8JsonWriter json, string name, Resources resources)
    {
        json.WriteStartObject(name);
        foreach (var scalar in resources.Scalars.Keys.Select(k => k.Name).Distinct().Order(StringComparer.Ordinal))
            json.WriteNumber(scalar, resources.Total(scalar).ToDouble());
        foreach (var group in resources.Ranges.GroupBy(r => r.Key.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            json.WriteString(group.Key, group.Aggregate(RangeSet.Empty, (all, r) => all.Union(r.Value)).ToString());
        json.WriteEndObject();
    }

    /// <summary>The member's HTTP address when this master knows it: its own, the leader's, or one learned from the member's metadata.</summary>
    private static string? HttpOf(MemberInfo member, MasterOptions options, LeaderInfo? leader, IReadOnlyDictionary<string, string>? memberHttp)
    {
        if (member.IsLocal) return $"{options.HttpHost}:{options.HttpPort}";
        if (leader is { HttpAddress.Length: > 0 } && leader.RaftEndPoint == member.RaftEndPoint) return leader.HttpAddress;
        return memberHttp?.GetValueOrDefault(member.RaftEndPoint);
    }
}
