using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesos.HA.Cli.Operator;

/// <summary>
/// <c>mesos-ha maintenance status|schedule|down|up</c>: Mesos' maintenance through the leader's operator
/// API. <c>schedule --file F</c> replaces the schedule with a Mesos schedule document (<c>{"windows": [...]}</c>);
/// <c>down</c> and <c>up</c> take machines as <c>host</c>, <c>ip</c> or <c>host=ip</c>.
/// Exit codes: 0 done, 1 refused by the leader (its reason on stderr), 2 bad usage or no leader.
/// </summary>
internal static class MaintenanceCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Verb(CancellationToken token)
    {
        var maintenance = new Command("maintenance", "Machines' maintenance: the schedule, machines DRAINING, DOWN and UP.");
        maintenance.Add(Declare.Verb("status", "The DRAINING machines with each framework's answer, and the DOWN machines.",
            [Declare.Masters(), .. SecurityFlags.Client(), Declare.Json()], (_, args) => StatusAsync(args, token)));
        maintenance.Add(Declare.Verb("schedule", "Print the schedule, or replace it with --file (a Mesos schedule, {\"windows\": [...]}).",
            [Declare.Value("file", "path", "the new schedule (an empty {} clears it)"), Declare.Masters(), .. SecurityFlags.Client(), Declare.Json()],
            (_, args) => ScheduleAsync(args, token)));
        foreach (var (verb, call, what) in new[]
        {
            ("down", "START_MAINTENANCE", "Take DRAINING machines DOWN: their agents are shut down until the machines are UP."),
            ("up", "STOP_MAINTENANCE", "Bring DOWN machines back UP (out of the schedule): their agents may register again."),
        })
        {
            var machines = new Argument<string[]>("machine") { Description = "host, ip, or host=ip", Arity = ArgumentArity.OneOrMore };
            maintenance.Add(Declare.Verb(verb, what, [machines, Declare.Masters(), .. SecurityFlags.Client()],
                (result, args) => MachinesAsync(call, result.GetValue(machines) ?? [], args, token)));
        }
        return maintenance;
    }

    private static async Task<int> StatusAsync(ArgReader args, CancellationToken token)
    {
        var masters = OperatorClient.Masters(args);
        var json = args.Flag("json");
        args.EnsureAllUsed();
        if (await CallAsync(masters, """{"type":"GET_MAINTENANCE_STATUS"}""", token) is not { } answer) return 1;
        var status = answer["get_maintenance_status"]?["status"];
        if (json)
        {
            Console.WriteLine(status?.ToJsonString(Indented));
            return 0;
        }
        var rows = new List<string[]>();
        foreach (var machine in status?["draining_machines"] as JsonArray ?? [])
        {
            var answers = (machine?["statuses"] as JsonArray ?? []).Select(s => $"{s?["framework_id"]?["value"]}:{s?["status"]}");
            rows.Add([Name(machine?["id"]), "DRAINING", string.Join(" ", answers)]);
        }
        foreach (var machine in status?["down_machines"] as JsonArray ?? []) rows.Add([Name(machine), "DOWN", ""]);
        var width = rows.Select(r => r[0].Length).Append("MACHINE".Length).Max();
        Console.WriteLine($"{"MACHINE".PadRight(width)}  MODE      FRAMEWORKS");
        foreach (var row in rows) Console.WriteLine($"{row[0].PadRight(width)}  {row[1],-8}  {row[2]}".TrimEnd());
        return 0;
    }

    private static async Task<int> ScheduleAsync(ArgReader args, CancellationToken token)
    {
        var masters = OperatorClient.Masters(args);
        var file = args.Optional("file");
        var json = args.Flag("json");
        args.EnsureAllUsed();
        if (file is not null)
        {
            JsonNode? schedule;
            try
            {
                schedule = JsonNode.Parse(await File.ReadAllTextAsync(file, token));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                throw new UsageException($"--file {file}: {e.Message}");
            }
            if (schedule is not JsonObject) throw new UsageException($"--file {file}: a schedule is a JSON object ({{\"windows\": [...]}})");
            var call = new JsonObject
            {
                ["type"] = "UPDATE_MAINTENANCE_SCHEDULE",
                ["update_maintenance_schedule"] = new JsonObject { ["schedule"] = schedule },
            };
            if (await CallAsync(masters, call.ToJsonString(), token) is null) return 1;
        }
        if (await CallAsync(masters, """{"type":"GET_MAINTENANCE_SCHEDULE"}""", token) is not { } answer) return 1;
        var windows = answer["get_maintenance_schedule"]?["schedule"]?["windows"] as JsonArray ?? [];
        if (json)
        {
            Console.WriteLine(new JsonObject { ["windows"] = windows.DeepClone() }.ToJsonString(Indented));
            return 0;
        }
        Console.WriteLine("START                          DURATION      MACHINES");
        foreach (var window in windows)
        {
            var start = window?["unavailability"]?["start"]?["nanoseconds"]?.GetValue<long>() ?? 0;
            var duration = window?["unavailability"]?["duration"]?["nanoseconds"]?.GetValue<long>();
            var machines = (window?["machine_ids"] as JsonArray ?? []).Select(Name);
            var when = DateTimeOffset.FromUnixTimeMilliseconds(start / 1_000_000).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
            var length = duration is { } ns ? Protocol.MesosDuration.Format(TimeSpan.FromTicks(ns / 100)) : "forever";
            Console.WriteLine($"{when,-29}  {length,-12}  {string.Join(" ", machines)}");
        }
        return 0;
    }

    private static async Task<int> MachinesAsync(string type, IReadOnlyList<string> machines, ArgReader args, CancellationToken token)
    {
        var masters = OperatorClient.Masters(args);
        args.EnsureAllUsed();
        var ids = new JsonArray([.. machines.Select(MachineOf)]);
        var field = type.ToLowerInvariant();
        var call = new JsonObject { ["type"] = type, [field] = new JsonObject { ["machines"] = ids } };
        if (await CallAsync(masters, call.ToJsonString(), token) is null) return 1;
        Console.WriteLine($"{(type == "START_MAINTENANCE" ? "DOWN" : "UP")}: {string.Join(" ", machines)}");
        return 0;
    }

    /// <summary><c>host</c>, <c>ip</c> or <c>host=ip</c> as a Mesos MachineID.</summary>
    private static JsonNode MachineOf(string text)
    {
        var parts = text.Split('=', 2);
        var machine = new JsonObject();
        if (parts.Length == 2)
        {
            machine["hostname"] = parts[0];
            machine["ip"] = parts[1];
        }
        else if (System.Net.IPAddress.TryParse(text, out _)) machine["ip"] = text;
        else machine["hostname"] = text;
        return machine;
    }

    private static string Name(JsonNode? machine) =>
        (machine?["hostname"]?.GetValue<string>(), machine?["ip"]?.GetValue<string>()) switch
        {
            ({ } host, { } ip) => $"{host}={ip}",
            ({ } host, null) => host,
            (null, { } ip) => ip,
            _ => "?",
        };

    /// <summary>The leader's answer to an operator call; null (the reason on stderr) when it refused it.</summary>
    private static async Task<JsonObject?> CallAsync(IReadOnlyList<string> masters, string call, CancellationToken token)
    {
        var (status, body) = await OperatorClient.SendToLeaderAsync(masters, HttpMethod.Post, "/api/v1", token, call);
        if (status == 200) return body.Length == 0 ? [] : JsonNode.Parse(body) as JsonObject ?? [];
        Console.Error.WriteLine($"mesos-ha: {(body.Length > 0 ? body.Trim() : "refused")} ({status})");
        return null;
    }
}
