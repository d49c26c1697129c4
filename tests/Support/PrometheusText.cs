using System.Globalization;
using System.Text;

namespace Mesos.HA.Tests.Support;

/// <summary>One sample line: its metric name (with a histogram's <c>_bucket</c>/<c>_sum</c>/<c>_count</c>), labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Has(params (string Key, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Key, out var v) && v == l.Value);
}

/// <summary>A metric family: its name, TYPE, HELP and samples in the order they came.</summary>
public sealed record PrometheusFamily(string Name, string Type, string? Help, IReadOnlyList<PrometheusSample> Samples)
{
    /// <summary>The value of the one sample named <see cref="Name"/> with these labels (all of them, nothing else).</summary>
    public double Value(params (string Key, string Value)[] labels) => Single(Name, labels).Value;

    /// <summary>A histogram's <c>_count</c> for these labels.</summary>
    public double Count(params (string Key, string Value)[] labels) => Single(Name + "_count", labels).Value;

    private PrometheusSample Single(string name, (string Key, string Value)[] labels)
    {
        var found = Samples.Where(s => s.Name == name && s.Labels.Count == labels.Length && s.Has(labels)).ToList();
        return found.Count == 1 ? found[0]
            : throw new KeyNotFoundException($"{found.Count} samples {name}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} in family {Name}");
    }
}

/// <summary>
/// A strict parser of the Prometheus text exposition format (0.0.4), for tests. It rejects what a
/// Prometheus server would reject and what the format's rules forbid: malformed names, labels and
/// values, a TYPE or HELP given twice or a TYPE after the family's samples, a family's samples split
/// by another family's, a sample whose family has no TYPE, the same series twice, a negative counter,
/// and histograms whose buckets are unordered, not cumulative, lack <c>+Inf</c>, disagree with
/// <c>_count</c>, or lack <c>_sum</c>. Throws <see cref="FormatException"/> naming the line.
/// </summary>
public static class PrometheusText
{
    private static readonly HashSet<string> Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyDictionary<string, PrometheusFamily> Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new Dictionary<string, List<PrometheusSample>>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lines = text.Split('\n');
        if (lines[^1].Length != 0) throw new FormatException("the text does not end with a line feed");
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            var at = $"line {i + 1} ({line})";
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length < 3 || parts[0] != "#" || parts[1] is not ("HELP" or "TYPE")) continue; // a plain comment
                var family = parts[2];
                if (!IsMetricName(family)) throw new FormatException($"{at}: bad metric name");
                if (parts[1] == "TYPE")
                {
                    if (parts.Length != 4 || !Types.Contains(parts[3])) throw new FormatException($"{at}: bad type");
                    if (!types.TryAdd(family, parts[3])) throw new FormatException($"{at}: second TYPE for {family}");
                    if (samples.ContainsKey(family)) throw new FormatException($"{at}: TYPE after samples of {family}");
                }
                else if (!helps.TryAdd(family, parts.Length == 4 ? Unescape(parts[3], help: true, at) : ""))
                    throw new FormatException($"{at}: second HELP for {family}");
                Enter(family, ref current, finished, at);
                continue;
            }
            var sample = ParseSample(line, at);
            var owner = FamilyOf(sample.Name, types);
            if (!types.ContainsKey(owner)) throw new FormatException($"{at}: no TYPE for the family of {sample.Name}");
            Enter(owner, ref current, finished, at);
            var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (!seen.Add(key)) throw new FormatException($"{at}: series {key} given twice");
            if (types[owner] == "counter" && (sample.Value < 0 || double.IsNaN(sample.Value))) throw new FormatException($"{at}: counter below zero");
            (samples.TryGetValue(owner, out var list) ? list : samples[owner] = []).Add(sample);
        }
        var families = types.ToDictionary(t => t.Key,
            t => new PrometheusFamily(t.Key, t.Value, helps.GetValueOrDefault(t.Key), samples.GetValueOrDefault(t.Key) ?? []), StringComparer.Ordinal);
        foreach (var family in families.Values.Where(f => f.Type == "histogram")) CheckHistogram(family);
        return families;
    }

    /// <summary>Samples of one family come together: once another family started, this one may not come back.</summary>
    private static void Enter(string family, ref string? current, HashSet<string> finished, string at)
    {
        if (family == current) return;
        if (finished.Contains(family)) throw new FormatException($"{at}: family {family} continues after another family");
        if (current is not null) finished.Add(current);
        current = family;
    }

    private static string FamilyOf(string name, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (!name.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var family = name[..^suffix.Length];
            if (types.GetValueOrDefault(family) is "histogram" || (types.GetValueOrDefault(family) is "summary" && suffix != "_bucket"))
                return family;
        }
        return name;
    }

    private static void CheckHistogram(PrometheusFamily family)
    {
        var name = family.Name;
        foreach (var sample in family.Samples)
        {
            if (sample.Name == name) throw new FormatException($"{name}: a histogram sample without _bucket, _sum or _count");
            if (sample.Name == name + "_bucket" && !sample.Labels.ContainsKey("le")) throw new FormatException($"{name}: a bucket without le");
        }
        foreach (var series in family.Samples.GroupBy(s => Key(s.Labels.Where(l => l.Key != "le"))))
        {
            var buckets = series.Where(s => s.Name == name + "_bucket")
                .Select(s => (Le: ParseValue(s.Labels["le"], $"{name}{series.Key} le"), s.Value)).ToList();
            if (buckets.Count == 0) throw new FormatException($"{name}{series.Key}: no buckets");
            for (var i = 1; i < buckets.Count; i++)
            {
                if (buckets[i].Le <= buckets[i - 1].Le) throw new FormatException($"{name}{series.Key}: buckets not in increasing le order");
                if (buckets[i].Value < buckets[i - 1].Value) throw new FormatException($"{name}{series.Key}: bucket counts decrease at le={buckets[i].Le}");
            }
            if (!double.IsPositiveInfinity(buckets[^1].Le)) throw new FormatException($"{name}{series.Key}: no +Inf bucket");
            var count = series.SingleOrDefault(s => s.Name == name + "_count") ?? throw new FormatException($"{name}{series.Key}: no _count");
            if (count.Value != buckets[^1].Value) throw new FormatException($"{name}{series.Key}: +Inf bucket {buckets[^1].Value} != _count {count.Value}");
            if (series.SingleOrDefault(s => s.Name == name + "_sum") is null) throw new FormatException($"{name}{series.Key}: no _sum");
        }
    }

    private static string Key(IEnumerable<KeyValuePair<string, string>> labels) =>
        "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    private static PrometheusSample ParseSample(string line, string at)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' ')) i++;
        var name = line[..i];
        if (!IsMetricName(name)) throw new FormatException($"{at}: bad metric name");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i < line.Length && line[i] == '}') { i++; break; }
                var start = i;
                while (i < line.Length && line[i] != '=') i++;
                var label = line[start..i];
                if (!IsLabelName(label)) throw new FormatException($"{at}: bad label name '{label}'");
                if (++i >= line.Length || line[i] != '"') throw new FormatException($"{at}: label value not quoted");
                var value = new StringBuilder();
                for (i++; ; i++)
                {
                    if (i >= line.Length) throw new FormatException($"{at}: unterminated label value");
                    if (line[i] == '"') break;
                    if (line[i] == '\\')
                    {
                        if (++i >= line.Length) throw new FormatException($"{at}: bad escape");
                        value.Append(line[i] switch { '\\' => '\\', '"' => '"', 'n' => '\n', _ => throw new FormatException($"{at}: bad escape") });
                    }
                    else value.Append(line[i]);
                }
                i++;
                if (!labels.TryAdd(label, value.ToString())) throw new FormatException($"{at}: label {label} twice");
                if (i < line.Length && line[i] == ',') i++;
                else if (i >= line.Length || line[i] != '}') throw new FormatException($"{at}: expected , or }} after a label");
            }
        }
        if (i >= line.Length || line[i] != ' ') throw new FormatException($"{at}: no value");
        var rest = line[(i + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2) throw new FormatException($"{at}: expected a value and an optional timestamp");
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw new FormatException($"{at}: bad timestamp");
        return new PrometheusSample(name, labels, ParseValue(rest[0], at));
    }

    private static double ParseValue(string text, string at) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when text.Length > 0 && text.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-')
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
        _ => throw new FormatException($"{at}: bad value '{text}'"),
    };

    private static string Unescape(string text, bool help, string at)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\') { result.Append(text[i]); continue; }
            if (++i >= text.Length) throw new FormatException($"{at}: bad escape");
            result.Append(text[i] switch { '\\' => '\\', 'n' => '\n', '"' when !help => '"', _ => throw new FormatException($"{at}: bad escape") });
        }
        return result.ToString();
    }

    private static bool IsMetricName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] is '_' or ':') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    private static bool IsLabelName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
