namespace Mesos.HA.Master.Allocation;

/// <summary>
/// The frameworks that offer filters keep off one agent, for one allocation cycle. Most agents have
/// one at most (a large cluster's filters are spread thin), so a set is made only for a second.
/// </summary>
internal struct FrameworksKeptOff
{
    private string? first;
    private HashSet<string>? more;

    /// <summary>How many distinct frameworks are kept off.</summary>
    public int Count { get; private set; }

    public void Add(string framework)
    {
        if (first is null)
        {
            first = framework;
            Count = 1;
        }
        else if (!string.Equals(first, framework, StringComparison.Ordinal) && (more ??= new HashSet<string>(StringComparer.Ordinal)).Add(framework))
        {
            Count++;
        }
    }

    /// <summary>How many of the frameworks kept off are in <paramref name="frameworks"/>.</summary>
    public readonly int CountIn(HashSet<string> frameworks)
    {
        if (first is null) return 0;
        var count = frameworks.Contains(first) ? 1 : 0;
        if (more is not null)
            foreach (var framework in more)
                if (frameworks.Contains(framework)) count++;
        return count;
    }

    public readonly bool Contains(string framework) =>
        string.Equals(first, framework, StringComparison.Ordinal) || (more?.Contains(framework) ?? false);
}
