using System.Globalization;
using System.Text.Json;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication.Registry;

namespace Mesos.HA.Master.Operator.V1;

/// <summary>
/// Mesos' maintenance messages (<c>mesos/v1/maintenance/maintenance.proto</c>) in their JSON shape: the
/// schedule's windows, machine ids and the cluster status, read from operator calls and written from the registry.
/// </summary>
public static class MaintenanceJson
{
    /// <summary><c>{"windows": [{"machine_ids": [...], "unavailability": {...}}]}</c>; no windows clears the schedule.</summary>
    public static IReadOnlyList<MaintenanceWindow> ReadSchedule(JsonElement schedule, string path)
    {
        if (!schedule.TryGetProperty("windows", out var windows) || windows.ValueKind == JsonValueKind.Null) return [];
        if (windows.ValueKind != JsonValueKind.Array) throw new FormatException($"'{path}.windows' is not a list");
        var read = new List<MaintenanceWindow>();
        var i = 0;
        foreach (var window in windows.EnumerateArray())
        {
            var at = $"{path}.windows[{i++}]";
            if (window.ValueKind != JsonValueKind.Object) throw new FormatException($"'{at}' is not an object");
            if (!window.TryGetProperty("machine_ids", out var ids)) throw new FormatException($"'{at}.machine_ids' is missing");
            var machines = ReadMachines(ids, $"{at}.machine_ids");
            if (machines.Count == 0) throw new FormatException($"'{at}.machine_ids' names no machine");
            if (!window.TryGetProperty("unavailability", out var unavailability) || unavailability.ValueKind != JsonValueKind.Object)
                throw new FormatException($"'{at}.unavailability' is missing or not an object");
            read.Add(new MaintenanceWindow(machines, ReadUnavailability(unavailability, $"{at}.unavailability")));
        }
        return read;
    }

    /// <summary>A list of <c>{"hostname": ..., "ip": ...}</c>; each needs one of them, and the ip must be an address.</summary>
    public static IReadOnlyList<MachineId> ReadMachines(JsonElement list, string path)
    {
        if (list.ValueKind != JsonValueKind.Array) throw new FormatException($"'{path}' is not a list");
        var machines = new List<MachineId>();
        var i = 0;
        foreach (var entry in list.EnumerateArray())
        {
            var at = $"{path}[{i++}]";
            if (entry.ValueKind != JsonValueKind.Object) throw new FormatException($"'{at}' is not an object");
            var machine = MachineId.Of(Text(entry, "hostname", at), Text(entry, "ip", at));
            if (RegistryCommandValidator.CheckMachine(machine) is { } bad) throw new FormatException($"'{at}': {bad}");
            machines.Add(machine);
        }
        return machines;
    }

    private static Unavailability ReadUnavailability(JsonElement unavailability, string path)
    {
        var start = unavailability.TryGetProperty("start", out var s)
            ? Nanoseconds(s, $"{path}.start")
            : throw new FormatException($"'{path}.start' is missing");
        long? duration = unavailability.TryGetProperty("duration", out var d) && d.ValueKind != JsonValueKind.Null
            ? Nanoseconds(d, $"{path}.duration")
            : null;
        if (start < 0) throw new FormatException($"'{path}.start' is before 1970");
        if (duration < 0) throw new FormatException($"'{path}.duration' is negative");
        return new Unavailability(start, duration);
    }

    /// <summary>A TimeInfo or DurationInfo: <c>{"nanoseconds": N}</c>, N a number or a string of one (int64 in JSON).</summary>
    private static long Nanoseconds(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("nanoseconds", out var ns))
            throw new FormatException($"'{path}' needs 'nanoseconds'");
        return ns.ValueKind switch
        {
            JsonValueKind.Number when ns.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(ns.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
            _ => throw new FormatException($"'{path}.nanoseconds' is not a whole number of nanoseconds"),
        };
    }

    private static string? Text(JsonElement entry, string name, string path) =>
        !entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new FormatException($"'{path}.{name}' is not a string");

    /// <summary>GET_MAINTENANCE_SCHEDULE's object: <c>{"schedule": {"windows": [...]}}</c>, as it was given.</summary>
    public static void WriteSchedule(Utf8JsonWriter json, Registry registry)
    {
        json.WriteStartObject();
        json.WritePropertyName("schedule");
        WriteScheduleObject(json, registry);
        json.WriteEndObject();
    }

    /// <summary>The schedule itself: <c>{"windows": [...]}</c>.</summary>
    public static void WriteScheduleObject(Utf8JsonWriter json, Registry registry)
    {
        json.WriteStartObject();
        json.WriteStartArray("windows");
        foreach (var window in registry.Schedule())
        {
            json.WriteStartObject();
            json.WriteStartArray("machine_ids");
            foreach (var machine in window.Machines) WriteMachine(json, machine);
            json.WriteEndArray();
            json.WritePropertyName("unavailability");
            WriteUnavailability(json, window.Unavailability);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>GET_MAINTENANCE_STATUS's object: the DRAINING machines with the frameworks' answers, and the DOWN machines.</summary>
    public static void WriteStatus(Utf8JsonWriter json, Registry registry)
    {
        json.WriteStartObject();
        json.WritePropertyName("status");
        WriteStatusObject(json, registry);
        json.WriteEndObject();
    }

    /// <summary>The cluster status itself: <c>{"draining_machines": [...], "down_machines": [...]}</c>.</summary>
    public static void WriteStatusObject(Utf8JsonWriter json, Registry registry)
    {
        var machines = registry.ScheduledMachines();
        json.WriteStartObject();
        json.WriteStartArray("draining_machines");
        foreach (var machine in machines.Where(m => m.Mode == MachineMode.Draining))
        {
            json.WriteStartObject();
            json.WritePropertyName("id");
            WriteMachine(json, machine.Id);
            json.WriteStartArray("statuses");
            foreach (var status in machine.Statuses)
            {
                json.WriteStartObject();
                json.WriteString("status", status.Answer.ToString().ToUpperInvariant());
                json.WriteStartObject("framework_id");
                json.WriteString("value", status.Framework.Value);
                json.WriteEndObject();
                json.WriteStartObject("timestamp");
                json.WriteNumber("nanoseconds", status.AtMs * 1_000_000);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("down_machines");
        foreach (var machine in machines.Where(m => m.Mode == MachineMode.Down)) WriteMachine(json, machine.Id);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>A MachineID; an absent part is left out, as Mesos writes it.</summary>
    public static void WriteMachine(Utf8JsonWriter json, MachineId machine)
    {
        json.WriteStartObject();
        if (machine.Hostname.Length > 0) json.WriteString("hostname", machine.Hostname);
        if (machine.Ip.Length > 0) json.WriteString("ip", machine.Ip);
        json.WriteEndObject();
    }

    public static void WriteUnavailability(Utf8JsonWriter json, Unavailability unavailability)
    {
        json.WriteStartObject();
        json.WriteStartObject("start");
        json.WriteNumber("nanoseconds", unavailability.StartNs);
        json.WriteEndObject();
        if (unavailability.DurationNs is { } duration)
        {
            json.WriteStartObject("duration");
            json.WriteNumber("nanoseconds", duration);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }
}
