using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Protocol.Http;

using Resources = Mesos.HA.Protocol.Resources.Resources;

/// <summary>
/// Resources in the Mesos v1 JSON shape: a list of <c>{"name", "type": SCALAR|RANGES|SET,
/// "scalar": {"value"}, "ranges": {"range": [{"begin","end"}]}, "set": {"item": []}}</c> with static
/// reservations as <c>"reservations": [{"type": "STATIC", "role"}]</c> (the pre-1.9 <c>"role"</c> field is read too).
/// </summary>
public static class ResourceJson
{
    public static void Write(Utf8JsonWriter json, Resources resources, string? allocationRole)
    {
        json.WriteStartArray();
        foreach (var (key, amount) in resources.Scalars)
        {
            Begin(json, key, "SCALAR", allocationRole);
            json.WriteStartObject("scalar");
            json.WriteNumber("value", amount.ToDouble());
            json.WriteEndObject();
            json.WriteEndObject();
        }
        foreach (var (key, ranges) in resources.Ranges)
        {
            Begin(json, key, "RANGES", allocationRole);
            json.WriteStartObject("ranges");
            json.WriteStartArray("range");
            foreach (var range in ranges.Ranges)
            {
                json.WriteStartObject();
                json.WriteNumber("begin", range.Begin);
                json.WriteNumber("end", range.End);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        foreach (var (key, items) in resources.Sets)
        {
            Begin(json, key, "SET", allocationRole);
            json.WriteStartObject("set");
            json.WriteStartArray("item");
            foreach (var item in items) json.WriteStringValue(item);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void Begin(Utf8JsonWriter json, ResourceKey key, string type, string? allocationRole)
    {
        json.WriteStartObject();
        json.WriteString("name", key.Name);
        json.WriteString("type", type);
        if (key.Role != ResourceKey.Unreserved)
        {
            json.WriteStartArray("reservations");
            json.WriteStartObject();
            json.WriteString("type", "STATIC");
            json.WriteString("role", key.Role);
            json.WriteEndObject();
            json.WriteEndArray();
        }
        if (allocationRole is not null)
        {
            json.WriteStartObject("allocation_info");
            json.WriteString("role", allocationRole);
            json.WriteEndObject();
        }
    }

    /// <summary>Reads a resource list; the error names the entry that is wrong.</summary>
    public static bool TryRead(JsonNode? node, out Resources resources, out string? error)
    {
        resources = Resources.Empty;
        error = null;
        if (node is null) return true;
        if (node is not JsonArray list)
        {
            error = "resources must be a list";
            return false;
        }
        for (var i = 0; i < list.Count; i++)
        {
            if (!TryReadOne(list[i] as JsonObject, out var one, out var problem))
            {
                error = $"resources[{i}]: {problem}";
                return false;
            }
            resources = resources.Add(one);
        }
        return true;
    }

    private static bool TryReadOne(JsonObject? entry, out Resources resource, out string? error)
    {
        resource = Resources.Empty;
        error = null;
        if (entry is null) { error = "must be an object"; return false; }
        var name = JsonFields.String(entry, "name");
        if (string.IsNullOrWhiteSpace(name)) { error = "has no name"; return false; }
        var role = Role(entry);
        var type = JsonFields.String(entry, "type") ?? (entry["ranges"] is not null ? "RANGES" : entry["set"] is not null ? "SET" : "SCALAR");
        switch (type)
        {
            case "SCALAR":
                var value = entry["scalar"]?["value"];
                if (value is null || !JsonFields.TryDouble(value, out var amount) || amount < 0 || double.IsNaN(amount) || amount > 1e12)
                {
                    error = $"{name}: scalar.value must be a non-negative number";
                    return false;
                }
                if (!Scalar.TryParse(amount.ToString("0.###", CultureInfo.InvariantCulture), out var scalar, out var bad)) { error = $"{name}: {bad}"; return false; }
                resource = Resources.Scalar(name, scalar, role);
                return true;
            case "RANGES":
                var ranges = new List<ValueRange>();
                foreach (var r in entry["ranges"]?["range"] as JsonArray ?? [])
                {
                    if (r is null || !JsonFields.TryLong(r["begin"], out var begin) || !JsonFields.TryLong(r["end"], out var end) || begin > end || begin < 0)
                    {
                        error = $"{name}: each range needs begin <= end";
                        return false;
                    }
                    ranges.Add(new ValueRange(begin, end));
                }
                resource = Resources.Range(name, RangeSet.Of(ranges), role);
                return true;
            case "SET":
                var items = (entry["set"]?["item"] as JsonArray ?? []).Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null).ToArray();
                if (items.Any(i => i is null)) { error = $"{name}: set items must be strings"; return false; }
                resource = Resources.Set(name, items!, role);
                return true;
            default:
                error = $"{name}: unknown type {type}";
                return false;
        }
    }

    private static string Role(JsonObject entry)
    {
        if (entry["reservations"] is JsonArray { Count: > 0 } reservations && JsonFields.String(reservations[^1] as JsonObject, "role") is { Length: > 0 } reserved)
            return reserved;
        return JsonFields.String(entry, "role") is { Length: > 0 } legacy ? legacy : ResourceKey.Unreserved;
    }
}
