using System.Text.Json;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Registry = Mesos.HA.Replication.Registry.Registry;
using Contract = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Master.Operator.V1;

/// <summary>
/// What the leading master knows, as one consistent picture for the operator API: the registry's
/// applied state (agents, frameworks, weights, quotas) and the core's (resources, tasks, executors).
/// </summary>
public sealed record OperatorView(Registry Registry, CoreView Core);

/// <summary>The objects of the Mesos v1 operator API (<c>mesos/v1/master/master.proto</c>), written in its JSON shape.</summary>
public static class OperatorJson
{
    public static readonly string Version = "mesos-ha " + typeof(OperatorJson).Assembly.GetName().Version;

    public static void WriteState(Utf8JsonWriter json, OperatorView view)
    {
        json.WriteStartObject();
        json.WritePropertyName("get_tasks");
        WriteTasks(json, view.Core);
        json.WritePropertyName("get_executors");
        WriteExecutors(json, view.Core);
        json.WritePropertyName("get_frameworks");
        WriteFrameworks(json, view);
        json.WritePropertyName("get_agents");
        WriteAgents(json, view);
        json.WriteEndObject();
    }

    /// <summary>GetAgents: the agents admitted and not gone; unreachable ones are listed as inactive.</summary>
    public static void WriteAgents(Utf8JsonWriter json, OperatorView view)
    {
        var cores = view.Core.Agents.ToDictionary(a => a.Id);
        json.WriteStartObject();
        json.WriteStartArray("agents");
        foreach (var agent in view.Registry.Agents.Values.Where(a => a.Status != AgentStatus.Gone).OrderBy(a => a.Info.Id.Value, StringComparer.Ordinal))
            WriteAgent(json, agent, cores.GetValueOrDefault(agent.Info.Id));
        json.WriteEndArray();
        json.WriteStartArray("recovered_agents");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteAgent(Utf8JsonWriter json, AgentRecord agent, AgentView? core)
    {
        json.WriteStartObject();
        json.WritePropertyName("agent_info");
        WriteAgentInfo(json, agent.Info);
        json.WriteBoolean("active", agent.Status == AgentStatus.Active && core is not null && agent.Maintenance is null);
        json.WriteBoolean("deactivated", agent.Maintenance is not null);
        if (agent.Maintenance is { Draining: true } drain)
        {
            json.WriteStartObject("drain_info");
            json.WriteString("state", drain.Drained ? "DRAINED" : "DRAINING");
            json.WriteStartObject("config");
            if (drain.MaxGraceMs is { } grace)
            {
                json.WriteStartObject("max_grace_period");
                json.WriteNumber("nanoseconds", grace * 1_000_000);
                json.WriteEndObject();
            }
            json.WriteBoolean("mark_gone", drain.MarkGone);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteString("version", Version);
        json.WriteString("pid", $"slave(1)@{agent.Info.Endpoint}");
        WriteTime(json, "registered_time", agent.AdmittedAtMs);
        WriteResources(json, "total_resources", core?.Total ?? ResourceText.Parse(agent.Info.Resources));
        WriteResources(json, "allocated_resources", core?.Used ?? Resources.Empty);
        WriteResources(json, "offered_resources", core?.Offered ?? Resources.Empty);
        json.WriteStartArray("capabilities");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteAgentInfo(Utf8JsonWriter json, AgentInfo info)
    {
        json.WriteStartObject();
        WriteId(json, "id", info.Id.Value);
        json.WriteString("hostname", info.Hostname);
        if (HostPort.Parse(info.Endpoint).Port is var port and > 0) json.WriteNumber("port", port);
        WriteResources(json, "resources", ResourceText.TryParse(info.Resources, out var resources, out _) ? resources : Resources.Empty);
        json.WriteStartArray("attributes");
        foreach (var (name, value) in info.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("type", "TEXT");
            json.WriteStartObject("text");
            json.WriteString("value", value);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>GetFrameworks: every framework the registry holds (a disconnected one is inactive until its failover timeout ends it).</summary>
    public static void WriteFrameworks(Utf8JsonWriter json, OperatorView view)
    {
        var cores = view.Core.Frameworks.ToDictionary(f => f.Id);
        json.WriteStartObject();
        json.WriteStartArray("frameworks");
        foreach (var framework in view.Registry.Frameworks.Values.OrderBy(f => f.Id.Value, StringComparer.Ordinal))
            WriteFramework(json, framework, cores.GetValueOrDefault(framework.Id));
        json.WriteEndArray();
        json.WriteStartArray("completed_frameworks");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteFramework(Utf8JsonWriter json, FrameworkRecord framework, FrameworkView? core)
    {
        var connected = core?.Connected ?? framework.DisconnectedAtMs is null;
        json.WriteStartObject();
        json.WritePropertyName("framework_info");
        WriteFrameworkInfo(json, framework);
        json.WriteBoolean("active", connected);
        json.WriteBoolean("connected", connected);
        json.WriteBoolean("recovered", core is null);
        WriteTime(json, "registered_time", framework.RegisteredAtMs);
        if (framework.DisconnectedAtMs is { } gone) WriteTime(json, "unregistered_time", gone);
        json.WriteStartArray("offers");
        json.WriteEndArray();
        json.WriteStartArray("inverse_offers");
        json.WriteEndArray();
        WriteResources(json, "allocated_resources", core?.Used ?? Resources.Empty);
        WriteResources(json, "offered_resources", core?.Offered ?? Resources.Empty);
        json.WriteEndObject();
    }

    public static void WriteFrameworkInfo(Utf8JsonWriter json, FrameworkRecord framework)
    {
        var info = framework.Info;
        json.WriteStartObject();
        WriteId(json, "id", framework.Id.Value);
        json.WriteString("user", info.User);
        json.WriteString("name", info.Name);
        json.WriteStartArray("roles");
        foreach (var role in info.Roles) json.WriteStringValue(role);
        json.WriteEndArray();
        json.WriteNumber("failover_timeout", framework.FailoverTimeoutMs / 1000.0);
        if (info.Principal is { } principal) json.WriteString("principal", principal);
        if (info.Hostname is { } hostname) json.WriteString("hostname", hostname);
        if (info.WebuiUrl is { } url) json.WriteString("webui_url", url);
        json.WriteStartArray("capabilities");
        foreach (var capability in info.Capabilities)
        {
            json.WriteStartObject();
            json.WriteString("type", capability);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>GetTasks: live tasks, and the most recent terminal ones as completed.</summary>
    public static void WriteTasks(Utf8JsonWriter json, CoreView core)
    {
        json.WriteStartObject();
        json.WriteStartArray("pending_tasks");
        json.WriteEndArray();
        json.WriteStartArray("tasks");
        foreach (var task in core.Tasks.Where(t => !t.State.IsTerminal())) WriteTask(json, task);
        json.WriteEndArray();
        json.WriteStartArray("unreachable_tasks");
        json.WriteEndArray();
        json.WriteStartArray("completed_tasks");
        foreach (var task in core.Tasks.Where(t => t.State.IsTerminal()).Concat(core.CompletedTasks)) WriteTask(json, task);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteTask(Utf8JsonWriter json, TrackedTask task)
    {
        json.WriteStartObject();
        json.WriteString("name", task.Name);
        WriteId(json, "task_id", task.Id.Value);
        WriteId(json, "framework_id", task.Framework.Value);
        if (task.Executor is { } executor) WriteId(json, "executor_id", executor);
        WriteId(json, "agent_id", task.Agent.Value);
        json.WriteString("state", task.State.MesosName());
        WriteResources(json, "resources", task.Resources, task.Role);
        json.WriteStartArray("statuses");
        WriteStatus(json, task.Id, task.Agent, task.State, reason: null, message: null);
        json.WriteEndArray();
        json.WriteString("role", task.Role);
        json.WriteEndObject();
    }

    /// <summary>A TaskStatus: the latest state the master holds (it keeps no history or timestamps of them).</summary>
    public static void WriteStatus(Utf8JsonWriter json, TaskId task, AgentId? agent, TaskState state, string? reason, string? message)
    {
        json.WriteStartObject();
        WriteId(json, "task_id", task.Value);
        json.WriteString("state", state.MesosName());
        if (agent is { } a) WriteId(json, "agent_id", a.Value);
        if (reason is { Length: > 0 }) json.WriteString("reason", reason);
        if (message is { Length: > 0 }) json.WriteString("message", message);
        json.WriteEndObject();
    }

    /// <summary>GetExecutors: the custom executors running on agents (command executors are not listed, as in Mesos).</summary>
    public static void WriteExecutors(Utf8JsonWriter json, CoreView core)
    {
        json.WriteStartObject();
        json.WriteStartArray("executors");
        foreach (var executor in core.Executors)
        {
            json.WriteStartObject();
            json.WriteStartObject("executor_info");
            WriteId(json, "executor_id", executor.Executor.Id);
            WriteId(json, "framework_id", executor.Framework.Value);
            json.WriteString("name", executor.Executor.Name);
            json.WriteStartObject("command");
            json.WriteString("value", executor.Executor.Command);
            json.WriteBoolean("shell", true);
            json.WriteEndObject();
            WriteResources(json, "resources", executor.Executor.Resources, executor.Role);
            json.WriteEndObject();
            WriteId(json, "agent_id", executor.Agent.Value);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("orphan_executors");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>GetRoles: every role with a weight, a quota or a framework, with what its frameworks hold.</summary>
    public static void WriteRoles(Utf8JsonWriter json, OperatorView view)
    {
        var frameworksByRole = view.Registry.Frameworks.Values.SelectMany(f => f.Info.Roles.Select(r => (Role: r, f.Id)))
            .ToLookup(p => p.Role, p => p.Id);
        var allocated = view.Core.Tasks.Where(t => !t.State.IsTerminal()).Select(t => (t.Role, t.Resources))
            .Concat(view.Core.Executors.Select(e => (e.Role, e.Executor.Resources)))
            .GroupBy(p => p.Role).ToDictionary(g => g.Key, g => g.Aggregate(Resources.Empty, (all, p) => all.Add(p.Resources)));
        var roles = view.Registry.Weights.Keys.Concat(view.Registry.Quotas.Keys).Concat(frameworksByRole.Select(g => g.Key))
            .Append("*").Distinct().Order(StringComparer.Ordinal);
        json.WriteStartObject();
        json.WriteStartArray("roles");
        foreach (var role in roles)
        {
            json.WriteStartObject();
            json.WriteString("name", role);
            json.WriteNumber("weight", view.Registry.WeightOf(role));
            json.WriteStartArray("frameworks");
            foreach (var id in frameworksByRole[role].OrderBy(f => f.Value, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("value", id.Value);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            var held = allocated.GetValueOrDefault(role, Resources.Empty);
            WriteResources(json, "resources", held, role);
            WriteResources(json, "allocated", held, role);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteWeights(Utf8JsonWriter json, Registry registry)
    {
        json.WriteStartObject();
        json.WriteStartArray("weight_infos");
        foreach (var (role, weight) in registry.Weights.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            json.WriteStartObject();
            json.WriteNumber("weight", weight);
            json.WriteString("role", role);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>GetQuota: <c>status.infos</c> (guarantees as resources, the older form) and <c>status.configs</c> (guarantees and limits).</summary>
    public static void WriteQuota(Utf8JsonWriter json, Registry registry)
    {
        var quotas = registry.Quotas.Values.OrderBy(q => q.Role, StringComparer.Ordinal).ToArray();
        json.WriteStartObject();
        json.WriteStartObject("status");
        json.WriteStartArray("infos");
        foreach (var quota in quotas.Where(q => q.Guarantees.Length > 0))
        {
            json.WriteStartObject();
            json.WriteString("role", quota.Role);
            WriteResources(json, "guarantee", ResourceText.Parse(quota.Guarantees));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("configs");
        foreach (var quota in quotas)
        {
            json.WriteStartObject();
            json.WriteString("role", quota.Role);
            WriteScalarMap(json, "guarantees", quota.Guarantees);
            WriteScalarMap(json, "limits", quota.Limits);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteScalarMap(Utf8JsonWriter json, string name, string text)
    {
        json.WriteStartObject(name);
        if (text.Length > 0)
        {
            var resources = ResourceText.Parse(text);
            foreach (var scalar in resources.Scalars.Keys.Select(k => k.Name).Distinct().Order(StringComparer.Ordinal))
            {
                json.WriteStartObject(scalar);
                json.WriteNumber("value", resources.Total(scalar).ToDouble());
                json.WriteEndObject();
            }
        }
        json.WriteEndObject();
    }

    public static void WriteId(Utf8JsonWriter json, string name, string value)
    {
        json.WriteStartObject(name);
        json.WriteString("value", value);
        json.WriteEndObject();
    }

    /// <summary>A Mesos TimeInfo: <c>{"nanoseconds": ...}</c> since the epoch.</summary>
    public static void WriteTime(Utf8JsonWriter json, string name, long unixMs)
    {
        json.WriteStartObject(name);
        json.WriteNumber("nanoseconds", unixMs * 1_000_000);
        json.WriteEndObject();
    }

    /// <summary>A Mesos resource list, allocated to <paramref name="role"/> when one is given.</summary>
    public static void WriteResources(Utf8JsonWriter json, string name, Resources resources, string? role = null)
    {
        json.WriteStartArray(name);
        foreach (var resource in ResourceJson.ToContract(resources, role))
            JsonSerializer.Serialize(json, resource, Contract.SchedulerJsonContext.Default.Resource);
        json.WriteEndArray();
    }
}
