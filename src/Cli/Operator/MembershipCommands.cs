using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesos.HA.Protocol;

namespace Mesos.HA.Cli.Operator;

/// <summary>
/// <c>mesos-ha masters list|add &lt;raft&gt;|remove &lt;raft&gt;</c> and <c>mesos-ha leader step-down</c>:
/// the Raft group's membership and leader hand-off, through the leader's operator endpoints.
/// Exit codes: 0 done, 1 refused by the leader (the reason on stderr), 2 bad usage or no leader.
/// </summary>
internal static class MembershipCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary><c>masters list|add &lt;raft&gt;|remove &lt;raft&gt;</c>.</summary>
    public static Command MastersVerb(CancellationToken token)
    {
        var masters = new Command("masters", "The Raft group's members; add or remove one master.");
        masters.Add(Declare.Verb("list", "List the members, their role and status.",
            [Declare.Masters(), .. SecurityFlags.Client(), Declare.Json()], (_, args) => RunMastersAsync("list", null, args, token)));
        foreach (var (verb, what) in new[] { ("add", "Add a master started with --join"), ("remove", "Remove a master") })
        {
            var raft = new Argument<string>("raft") { Description = "the master's Raft endpoint (ip:port)" };
            masters.Add(Declare.Verb(verb, $"{what} (through the leader).",
                [raft, Declare.Masters(), .. SecurityFlags.Client(), Declare.Json()], (result, args) => RunMastersAsync(verb, result.GetValue(raft), args, token)));
        }
        return masters;
    }

    /// <summary><c>leader step-down</c>, a subcommand of the <c>leader</c> verb.</summary>
    public static Command StepDownVerb(CancellationToken token) => Declare.Verb("step-down",
        "Hand leadership to another master (well under a second).",
        [Declare.Masters(), .. SecurityFlags.Client(), Declare.Json()], (_, args) => StepDownAsync(args, token));

    public static async Task<int> RunMastersAsync(string verb, string? target, ArgReader args, CancellationToken token)
    {
        var masters = OperatorClient.Masters(args);
        var json = args.Flag("json");
        args.EnsureAllUsed();
        // Raft endpoints are IP addresses (as --raft resolves them): resolve a host name here, once.
        var endPoint = target is null ? null : EndPoints.Parse(target, "the master's Raft endpoint").ToString();
        var (method, path) = verb switch
        {
            "add" => (HttpMethod.Post, $"/master/members?raft={Uri.EscapeDataString(endPoint!)}"),
            "remove" => (HttpMethod.Delete, $"/master/members?raft={Uri.EscapeDataString(endPoint!)}"),
            _ => (HttpMethod.Get, "/master/members"),
        };
        var (status, body) = await OperatorClient.SendToLeaderAsync(masters, method, path, token);
        var answer = Parse(body);
        if (status != 200)
        {
            Console.Error.WriteLine($"mesos-ha: {answer?["error"]?.GetValue<string>() ?? body} ({status})");
            return status == 400 ? 2 : 1;
        }
        if (json)
        {
            Console.WriteLine(answer?.ToJsonString(Indented));
            return 0;
        }
        if (answer?["message"]?.GetValue<string>() is { } message) Console.WriteLine(message);
        var rows = (answer?["members"] as JsonArray ?? []).Select(m => new[]
        {
            m?["raft"]?.ToString() ?? "", m?["leader"]?.GetValue<bool>() == true ? "leader" : "", m?["status"]?.ToString() ?? "",
        }).ToArray();
        var width = rows.Select(r => r[0].Length).Append(4).Max();
        Console.WriteLine($"{"RAFT".PadRight(width)}  ROLE    STATUS");
        foreach (var row in rows) Console.WriteLine($"{row[0].PadRight(width)}  {row[1],-6}  {row[2]}".TrimEnd());
        return 0;
    }

    /// <summary>Asks the leader to resign, then waits (5 s at most) for another master to lead and says which and how fast.</summary>
    public static async Task<int> StepDownAsync(ArgReader args, CancellationToken token)
    {
        var masters = OperatorClient.Masters(args);
        var json = args.Flag("json");
        args.EnsureAllUsed();
        var clock = Stopwatch.StartNew();
        var (status, body) = await OperatorClient.SendToLeaderAsync(masters, HttpMethod.Post, "/master/step-down", token);
        var answer = Parse(body);
        if (status != 200)
        {
            Console.Error.WriteLine($"mesos-ha: {answer?["error"]?.GetValue<string>() ?? body} ({status})");
            return 1;
        }
        var resigned = answer?["resigned"]?.GetValue<string>() ?? "";
        var deadline = TimeSpan.FromSeconds(5);
        (string Raft, string? Http)? next = null;
        if (!await Poll.TryUntilAsync(async () => (next = await NewLeaderAsync(masters, resigned, token)) is not null, deadline,
                TimeSpan.FromMilliseconds(10), token: token))
        {
            Console.Error.WriteLine($"mesos-ha: {resigned} stepped down, but no other leader was seen within {deadline.TotalSeconds:F0} s");
            return 1;
        }
        var (leader, http) = next!.Value;
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (json)
            Console.WriteLine(new JsonObject { ["resigned"] = resigned, ["leader_raft"] = leader, ["leader_http"] = http, ["ms"] = Math.Round(elapsed) }
                .ToJsonString(Indented));
        else
            Console.WriteLine($"{resigned} stepped down; {http} (raft {leader}) leads after {elapsed:F0} ms");
        return 0;
    }

    /// <summary>A leader other than <paramref name="resigned"/> that some master reports, with its HTTP address; null if none yet.</summary>
    private static async Task<(string Raft, string? Http)?> NewLeaderAsync(IReadOnlyList<string> masters, string resigned, CancellationToken token)
    {
        foreach (var master in masters)
        {
            var health = await OperatorClient.TryHealthAsync(master, token);
            if (health?["leader_raft"]?.GetValue<string>() is not { } leader || leader == resigned) continue;
            if (health["role"]?.GetValue<string>() != "leader" && health["leader_http"] is null) continue;
            return (leader, health["role"]?.GetValue<string>() == "leader" ? health["http"]?.GetValue<string>() : health["leader_http"]?.GetValue<string>());
        }
        return null;
    }

    private static JsonObject? Parse(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
