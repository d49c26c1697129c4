using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesos.HA.Protocol.Http;

/// <summary>Tolerant readers for JSON nodes: clients differ in small ways (numbers as strings, missing fields).</summary>
public static class JsonFields
{
    public static string? String(JsonObject? obj, string name) =>
        obj?[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>A Mesos id: <c>{"value": "..."}</c>.</summary>
    public static string? Id(JsonNode? node) => String(node as JsonObject, "value");

    public static bool TryDouble(JsonNode? node, out double value)
    {
        value = 0;
        if (node is not JsonValue v) return false;
        return v.GetValueKind() switch
        {
            JsonValueKind.Number => v.TryGetValue(out value),
            JsonValueKind.String => double.TryParse(v.GetValue<string>(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }

    public static bool TryLong(JsonNode? node, out long value)
    {
        value = 0;
        if (!TryDouble(node, out var d) || d != Math.Floor(d) || Math.Abs(d) > 9e15) return false;
        value = (long)d;
        return true;
    }
}
