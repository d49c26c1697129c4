using System.Text.Json;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// What a leading master's <c>/metrics/snapshot</c> says about agents, frameworks and tasks: the
/// light-weight view (counts, not the 100,000-task <c>/master/state</c>) the scale benches poll.
/// </summary>
internal sealed record LeaderSnapshot(long AgentsConnected, long FrameworksConnected, long TasksRunning)
{
    /// <summary>The snapshot of <paramref name="master"/> if it answers and leads; null otherwise.</summary>
    public static async Task<LeaderSnapshot?> TryReadAsync(MasterProcess master, CancellationToken token)
    {
        if (!master.IsRunning) return null;
        try
        {
            using var response = await master.Http.GetAsync(master.Url("/metrics/snapshot"), token);
            if (!response.IsSuccessStatusCode) return null;
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(token), cancellationToken: token);
            var root = json.RootElement;
            if (!root.TryGetProperty("master/elected", out var elected) || elected.GetDouble() < 1) return null;
            if (!root.TryGetProperty("master/tasks_running", out var running)) return null;
            return new LeaderSnapshot((long)root.GetProperty("master/slaves_connected").GetDouble(),
                (long)root.GetProperty("master/frameworks_connected").GetDouble(), (long)running.GetDouble());
        }
        catch (Exception e) when (NoAnswer.OrUnreadable(e) || e is KeyNotFoundException)
        {
            return null;
        }
    }

    public override string ToString() => $"{AgentsConnected} agents connected, {FrameworksConnected} frameworks connected, {TasksRunning} tasks running";
}
