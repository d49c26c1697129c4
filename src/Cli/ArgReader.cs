namespace Mesos.HA.Cli;

/// <summary>Reads <c>--name value</c> and <c>--flag</c> arguments; every problem becomes a <see cref="UsageException"/>.</summary>
internal sealed class ArgReader
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public ArgReader(IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"unexpected argument '{arg}'");
            var eq = arg.IndexOf('=');
            string name = eq > 0 ? arg[2..eq] : arg[2..];
            string? value;
            if (eq > 0) value = arg[(eq + 1)..];
            else if (flags.Contains(name)) value = null;
            else if (e.MoveNext()) value = e.Current;
            else throw new UsageException($"--{name} needs a value");
            if (!values.TryAdd(name, value)) throw new UsageException($"--{name} is given twice");
        }
    }

    public string Required(string name) => Optional(name) ?? throw new UsageException($"--{name} is required");

    public string? Optional(string name)
    {
        used.Add(name);
        return values.TryGetValue(name, out var v) ? v : null;
    }

    public bool Flag(string name)
    {
        used.Add(name);
        return values.ContainsKey(name);
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Optional(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, out var v) || v < min || v > max)
            throw new UsageException($"--{name} must be an integer between {min} and {max}, not '{text}'");
        return v;
    }

    /// <summary>Fails on any argument nobody asked for: a typo must not be silently ignored.</summary>
    public void EnsureAllUsed()
    {
        var unknown = values.Keys.Where(k => !used.Contains(k)).Order(StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0) throw new UsageException("unknown option " + string.Join(", ", unknown.Select(k => "--" + k)));
    }
}

/// <summary>Bad command line: printed as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
