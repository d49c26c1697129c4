using System.Text.Json.Nodes;

namespace Mesos.HA.Cli.Operator;

/// <summary>Reads a running cluster's state from its leader, through whichever master answers first.</summary>
internal static class OperatorClient
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>The masters to ask: --masters (or MESOS_HA_MASTERS), else 127.0.0.1:5050.</summary>
    public static IReadOnlyList<string> Masters(ArgReader args) =>
        (args.Optional("masters") ?? "127.0.0.1:5050")
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>/master/state of the leader (a follower's answer names it); throws a one-line error when nobody answers.</summary>
    public static async Task<JsonObject> LeaderStateAsync(IReadOnlyList<string> masters, CancellationToken token)
    {
        var errors = new List<string>();
        foreach (var master in masters)
        {
            try
            {
                var state = await GetStateAsync(master, token);
                if (state["role"]?.GetValue<string>() == "leader") return state;
                if (state["leader_info"] is JsonObject leader)
                    return await GetStateAsync($"{leader["hostname"]}:{leader["port"]}", token);
                errors.Add($"{master}: no leader known");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or InvalidOperationException)
            {
                errors.Add($"{master}: {e.Message}");
            }
        }
        throw new UsageException($"no leading master answered ({string.Join("; ", errors)})");
    }

    private static async Task<JsonObject> GetStateAsync(string master, CancellationToken token)
    {
        using var response = await Http.GetAsync($"http://{master}/master/state", token);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(token)) as JsonObject
            ?? throw new InvalidOperationException("the state is not a JSON object");
    }
}
