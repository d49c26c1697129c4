using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesos.HA.Cli.Operator;

/// <summary><c>mesos-ha state|leader|agents|frameworks|tasks [--masters ...] [--json]</c>: the cluster as its leader sees it.</summary>
internal static class StateCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The five verbs; <c>leader</c> also holds <c>leader step-down</c>.</summary>
    public static IEnumerable<Command> Verbs(CancellationToken token)
    {
        foreach (var (verb, description) in new[]
        {
            ("state", "A summary of the cluster as its leader sees it (all of /master/state with --json)."),
            ("leader", "The leading master and its term."),
            ("agents", "The agents, their resources in use and whether they are active."),
            ("frameworks", "The frameworks, their roles and tasks."),
            ("tasks", "The tasks the leader knows, with their framework, agent and state."),
        })
        {
            var command = Declare.Verb(verb, description, [Declare.Masters(), .. SecurityFlags.Client(), Declare.Json()],
                (_, args) => RunAsync(verb, args, token));
            if (verb == "leader") command.Add(MembershipCommands.StepDownVerb(token));
            yield return command;
        }
    }

    public static async Task<int> RunAsync(string verb, ArgReader args, CancellationToken token)
    {
        var masters = OperatorClient.Masters(args);
        var json = args.Flag("json");
        args.EnsureAllUsed();
        var state = await OperatorClient.LeaderStateAsync(masters, token);
        JsonNode output = verb switch
        {
            "state" => state,
            "leader" => new JsonObject
            {
                ["leader"] = state["leader_info"] is JsonObject l ? $"{l["hostname"]}:{l["port"]}" : null,
                ["term"] = state["term"]?.DeepClone(),
                ["elected_time"] = state["elected_time"]?.DeepClone(),
            },
            "agents" => state["slaves"]!.DeepClone(),
            "frameworks" => state["frameworks"]!.DeepClone(),
            "tasks" => new JsonArray([.. Tasks(state).Select(t => t.DeepClone())]),
            _ => throw new UsageException($"unknown verb {verb}"),
        };
        if (json)
        {
            Console.WriteLine(output.ToJsonString(Indented));
            return 0;
        }
        switch (verb)
        {
            case "state":
                Console.WriteLine($"leader {state["leader"]} (term {state["term"]}), {state["activated_slaves"]} agents active, " +
                    $"{state["unreachable_slaves"]} unreachable, {((JsonArray)state["frameworks"]!).Count} frameworks, {Tasks(state).Count()} tasks");
                break;
            case "leader":
                Console.WriteLine($"{output["leader"]} (term {output["term"]})");
                break;
            case "agents":
                Table(["ID", "HOSTNAME", "CPUS", "MEM", "ACTIVE"], ((JsonArray)output).Select(a => new[]
                {
                    S(a, "id"), S(a, "hostname"), Used(a!, "cpus"), Used(a!, "mem"), S(a, "active"),
                }));
                break;
            case "frameworks":
                Table(["ID", "NAME", "ROLES", "CONNECTED", "TASKS"], ((JsonArray)output).Select(f => new[]
                {
                    S(f, "id"), S(f, "name"), string.Join(",", ((JsonArray)f!["roles"]!).Select(r => r!.GetValue<string>())),
                    S(f, "connected"), ((JsonArray)f["tasks"]!).Count.ToString(CultureInfo.InvariantCulture),
                }));
                break;
            case "tasks":
                Table(["TASK", "FRAMEWORK", "AGENT", "STATE"], ((JsonArray)output).Select(t => new[]
                {
                    S(t, "id"), S(t, "framework_id"), S(t, "slave_id"), S(t, "state"),
                }));
                break;
        }
        return 0;
    }

    private static IEnumerable<JsonNode> Tasks(JsonObject state) =>
        ((JsonArray)state["frameworks"]!).SelectMany(f => ((JsonArray)f!["tasks"]!).OfType<JsonNode>());

    private static string S(JsonNode? node, string field) => node?[field]?.ToString() ?? "";

    private static string Used(JsonNode agent, string name) =>
        $"{agent["used_resources"]?[name]?.ToString() ?? "0"}/{agent["resources"]?[name]?.ToString() ?? "0"}";

    private static void Table(string[] header, IEnumerable<string[]> rows)
    {
        var all = new[] { header }.Concat(rows).ToArray();
        var widths = header.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
            Console.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
    }
}
