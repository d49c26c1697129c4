using System.Globalization;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Protocol.Resources;

/// <summary>
/// Parses the agent resource text Mesos uses:
/// <c>cpus:4;mem:8192;disk:20000;ports:[31000-32000,33000-33100];cpus(web):2;zones:{a,b}</c>.
/// A name may repeat (amounts add up); one name may not be both a scalar and a range, say.
/// </summary>
public static class ResourceText
{
    public const int MaxLength = 8 * 1024;

    /// <summary>Parses or throws <see cref="FormatException"/> naming the entry and what is wrong with it.</summary>
    public static Resources Parse(string text) =>
        TryParse(text, out var resources, out var error) ? resources : throw new FormatException(error);

    public static bool TryParse(string? text, out Resources resources, out string? error)
    {
        resources = Resources.Empty;
        error = null;
        if (string.IsNullOrWhiteSpace(text)) { error = "resources are empty"; return false; }
        if (text.Length > MaxLength) { error = $"resources are longer than {MaxLength} characters"; return false; }
        var kinds = new Dictionary<string, char>(StringComparer.Ordinal);
        foreach (var raw in text.Split(';'))
        {
            var entry = raw.Trim();
            if (entry.Length == 0) continue;
            if (!TryParseEntry(entry, out var parsed, out var kind, out var name, out var entryError))
            {
                error = $"resource '{entry}': {entryError}";
                return false;
            }
            if (kinds.TryGetValue(name, out var seen) && seen != kind)
            {
                error = $"resource '{entry}': '{name}' is used both as {Describe(seen)} and as {Describe(kind)}";
                return false;
            }
            kinds[name] = kind;
            resources = resources.Add(parsed);
        }
        if (kinds.Count == 0) { error = "resources are empty"; return false; }
        return true;
    }

    private static string Describe(char kind) => kind switch { 's' => "a scalar", 'r' => "ranges", _ => "a set" };

    private static bool TryParseEntry(string entry, out Resources parsed, out char kind, out string name, out string? error)
    {
        parsed = Resources.Empty;
        kind = 's';
        name = "";
        error = null;
        var colon = entry.IndexOf(':');
        if (colon < 0) { error = "expected name:value"; return false; }
        var head = entry[..colon].Trim();
        var value = entry[(colon + 1)..].Trim();
        var role = ResourceKey.Unreserved;
        var open = head.IndexOf('(');
        if (open >= 0)
        {
            if (!head.EndsWith(')')) { error = "role must be written name(role)"; return false; }
            role = head[(open + 1)..^1].Trim();
            head = head[..open].Trim();
            if (RegistryCommandValidator.CheckRole(role) is { } roleError) { error = roleError; return false; }
        }
        name = head;
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/'))
        {
            error = $"'{name}' is not a resource name (letters, digits, '_', '-', '.', '/')";
            return false;
        }
        if (value.Length == 0) { error = "the value is missing"; return false; }
        if (value[0] == '[')
        {
            kind = 'r';
            if (!TryParseRanges(value, out var ranges, out error)) return false;
            parsed = Resources.Range(name, ranges, role);
            return true;
        }
        if (value[0] == '{')
        {
            kind = 'e';
            if (!value.EndsWith('}')) { error = "a set must end with '}'"; return false; }
            var items = value[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (items.Length == 0) { error = "the set is empty"; return false; }
            parsed = Resources.Set(name, items, role);
            return true;
        }
        if (!Scalar.TryParse(value, out var amount, out error)) return false;
        parsed = Resources.Scalar(name, amount, role);
        return true;
    }

    private static bool TryParseRanges(string value, out RangeSet ranges, out string? error)
    {
        ranges = RangeSet.Empty;
        if (!value.EndsWith(']')) { error = "ranges must end with ']'"; return false; }
        var list = new List<ValueRange>();
        foreach (var part in value[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = part.IndexOf('-', 1);
            if (dash < 0
                || !long.TryParse(part[..dash].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var begin)
                || !long.TryParse(part[(dash + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var end))
            {
                error = $"'{part}' is not a range like 31000-32000";
                return false;
            }
            if (end < begin) { error = $"range {part} ends before it begins"; return false; }
            list.Add(new ValueRange(begin, end));
        }
        if (list.Count == 0) { error = "no ranges given"; return false; }
        ranges = RangeSet.Of(list);
        error = null;
        return true;
    }
}
