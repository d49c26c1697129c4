using System.Buffers;
using System.Text.Json;
using Mesos.HA.Master.Core;
using Mesos.HA.Master.Security;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Registry = Mesos.HA.Replication.Registry.Registry;

namespace Mesos.HA.Master.Operator;

/// <summary>
/// Mesos' <c>/master/state-summary</c>: agents and frameworks without their tasks, each with its tasks
/// counted by state (<c>TASK_RUNNING</c>: 2, ...), agents with the frameworks on them and frameworks with
/// their agents. Frameworks the reader may not view are absent, and so are their ids on agents; the
/// agents' counts are of every task (counts are not filtered), the frameworks' of their own.
/// </summary>
public static class StateSummaryJson
{
    public static byte[] Write(string hostname, Registry registry, CoreView? core, ViewPermissions? view)
    {
        var whole = core;
        if (view is not null) (registry, core) = ViewFilter.Filter(registry, core, view);
        var allTasks = whole is null ? [] : whole.Tasks.Concat(whole.CompletedTasks).ToArray();
        var visibleTasks = core is null ? [] : core.Tasks.Concat(core.CompletedTasks).ToArray();
        var visible = registry.Frameworks;
        var agentViews = whole?.Agents.ToDictionary(a => a.Id) ?? [];
        var frameworkViews = core?.Frameworks.ToDictionary(f => f.Id) ?? [];
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("hostname", hostname);
            json.WriteStartArray("slaves");
            foreach (var agent in registry.Agents.Values.Where(a => a.Status == AgentStatus.Active).OrderBy(a => a.Info.Id.Value, StringComparer.Ordinal))
            {
                var usage = agentViews.GetValueOrDefault(agent.Info.Id);
                json.WriteStartObject();
                json.WriteString("id", agent.Info.Id.Value);
                json.WriteString("pid", $"slave@{agent.Info.Endpoint}");
                json.WriteString("hostname", agent.Info.Hostname);
                json.WriteNumber("registered_time", agent.AdmittedAtMs / 1000.0);
                StateJson.WriteResources(json, "resources", usage?.Total ?? ResourceText.Parse(agent.Info.Resources));
                StateJson.WriteResources(json, "used_resources", usage?.Used ?? Resources.Empty);
                StateJson.WriteResources(json, "offered_resources", usage?.Offered ?? Resources.Empty);
                json.WriteStartObject("attributes");
                foreach (var (key, value) in agent.Info.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
                json.WriteBoolean("active", core is null || usage is not null);
                json.WriteBoolean("deactivated", agent.Maintenance is not null);
                var onAgent = allTasks.Where(t => t.Agent == agent.Info.Id).ToArray();
                WriteCounts(json, onAgent);
                WriteIds(json, "framework_ids", onAgent.Where(t => !t.State.IsTerminal() && visible.ContainsKey(t.Framework)).Select(t => t.Framework.Value));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("frameworks");
            foreach (var framework in visible.Values.OrderBy(f => f.Id.Value, StringComparer.Ordinal))
            {
                var usage = frameworkViews.GetValueOrDefault(framework.Id);
                var connected = usage?.Connected ?? framework.DisconnectedAtMs is null;
                json.WriteStartObject();
                json.WriteString("id", framework.Id.Value);
                json.WriteString("name", framework.Info.Name);
                json.WriteString("pid", "");
                StateJson.WriteResources(json, "used_resources", usage?.Used ?? Resources.Empty);
                StateJson.WriteResources(json, "offered_resources", usage?.Offered ?? Resources.Empty);
                WriteIds(json, "capabilities", framework.Info.Capabilities);
                if (framework.Info.Hostname is { } host) json.WriteString("hostname", host);
                if (framework.Info.WebuiUrl is { } url) json.WriteString("webui_url", url);
                json.WriteBoolean("active", connected);
                json.WriteBoolean("connected", connected);
                json.WriteBoolean("recovered", core is not null && usage is null);
                var own = visibleTasks.Where(t => t.Framework == framework.Id).ToArray();
                WriteCounts(json, own);
                WriteIds(json, "slave_ids", own.Where(t => !t.State.IsTerminal()).Select(t => t.Agent.Value));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Every task state, with how many of <paramref name="tasks"/> are in it (zero included, as Mesos writes them).</summary>
    private static void WriteCounts(Utf8JsonWriter json, IReadOnlyCollection<TrackedTask> tasks)
    {
        foreach (var state in Enum.GetValues<TaskState>())
            json.WriteNumber(state.MesosName(), tasks.Count(t => t.State == state));
    }

    private static void WriteIds(Utf8JsonWriter json, string name, IEnumerable<string> ids)
    {
        json.WriteStartArray(name);
        foreach (var id in ids.Distinct().Order(StringComparer.Ordinal)) json.WriteStringValue(id);
        json.WriteEndArray();
    }
}
