using System.Text.Json;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesos.HA.Master.Operator;

/// <summary><c>/metrics/snapshot</c>: Mesos' keys and JSON shape, read from the same sources as the instruments.</summary>
public sealed partial class MasterMetrics
{
    private void MapSnapshot(WebApplication app)
    {
        app.MapGet("/metrics/snapshot", async (HttpContext http) =>
        {
            var metrics = await SnapshotAsync(http.RequestAborted);
            var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                foreach (var (key, value) in metrics) json.WriteNumber(key, value);
                json.WriteEndObject();
            }
            return Results.Bytes(buffer.ToArray(), "application/json");
        });
    }

    /// <summary>Mesos-style metric keys; the leader adds what only it knows (tasks, offers, allocation).</summary>
    public async Task<SortedDictionary<string, double>> SnapshotAsync(CancellationToken token)
    {
        var core = await shell.ReadAsync(c => c.Counts(), token);
        var snapshot = registry.LocalRegistry;
        var elections = registry.Elections;
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["master/elected"] = core is null ? 0 : 1,
            ["master/uptime_secs"] = Math.Round((time.GetUtcNow() - startedAt).TotalSeconds, 3),
            ["master/term"] = registry.Term,
            ["master/leader_changes"] = leaders.Changes,
            ["master/elections_startup"] = elections.StartUp,
            ["master/elections_step_down"] = elections.StepDown,
            ["master/elections_timeout"] = elections.Timeout,
            ["master/elections_total"] = elections.Total,
            ["master/candidacies"] = elections.Candidacies,
            ["master/raft_slow_heartbeat_rounds"] = registry.SlowHeartbeatRounds,
            ["master/raft_slow_log_flushes"] = registry.SlowLogFlushes,
            ["master/slaves_active"] = snapshot.Agents.Values.Count(a => a.Status == AgentStatus.Active),
            ["master/slaves_unreachable"] = snapshot.Agents.Values.Count(a => a.Status == AgentStatus.Unreachable),
            ["master/slaves_gone"] = snapshot.Agents.Values.Count(a => a.Status == AgentStatus.Gone),
            ["master/slaves_connected"] = agents.Connected,
            ["master/frameworks_registered"] = snapshot.Frameworks.Count,
            ["master/frameworks_connected"] = frameworks.Subscribed,
            ["registrar/applied_index"] = registry.AppliedIndex,
            ["registrar/commit_index"] = registry.CommitIndex,
            // Follower appends that waited for their entries to be flushed before answering (since the Raft member started).
            ["registrar/follower_flushed_appends"] = registry.FollowerFlushedAppends,
            // Times this master threw its registry away because a leader contradicted an entry it had committed.
            ["registrar/state_reinstalls"] = registry.StateReinstalls,
        };
        if (core is not null)
        {
            foreach (var state in Enum.GetValues<TaskState>())
                metrics[$"master/tasks_{state.ToString().ToLowerInvariant()}"] = core.Tasks(state);
            metrics["master/outstanding_offers"] = core.OutstandingOffers;
            Window(metrics, "allocator/allocation_run_ms", shell.Metrics.AllocationRuns);
            Window(metrics, "registrar/state_store_ms", shell.Metrics.RegistryWrites);
        }
        return metrics;
    }

    private static void Window(SortedDictionary<string, double> metrics, string prefix, LatencyWindow window)
    {
        var p = window.Percentiles(50, 90, 99, 100);
        metrics[$"{prefix}/count"] = window.Count;
        metrics[$"{prefix}/p50"] = Math.Round(p[0], 3);
        metrics[$"{prefix}/p90"] = Math.Round(p[1], 3);
        metrics[$"{prefix}/p99"] = Math.Round(p[2], 3);
        metrics[$"{prefix}/max"] = Math.Round(p[3], 3);
    }
}
