using System.Collections.Concurrent;

namespace Mesos.HA.Checkers;

/// <summary>Every leader each master claimed to be, with its term, as observers saw them.</summary>
public sealed class LeaderHistory
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<string, byte>> leadersByTerm = new();

    public void Observe(long term, string master) => leadersByTerm.GetOrAdd(term, _ => new())[master] = 0;

    public int Terms => leadersByTerm.Count;

    /// <summary>
    /// The leadership journals the masters wrote (<c>leadership.log</c> in each data directory: lines of
    /// <c>&lt;monotonic µs&gt; &lt;term&gt; leader|follower</c>): every claim each master made, including
    /// those made while observers could not reach it.
    /// </summary>
    public static LeaderHistory FromJournals(IEnumerable<(string Master, string Path)> journals)
    {
        var history = new LeaderHistory();
        foreach (var (master, path) in journals)
        {
            if (!File.Exists(path)) continue;
            foreach (var line in File.ReadLines(path))
            {
                var parts = line.Split(' ');
                if (parts.Length == 3 && parts[2] == "leader" && long.TryParse(parts[1], out var term)) history.Observe(term, master);
            }
        }
        return history;
    }

    /// <summary>Raft's election safety: at most one leader per term.</summary>
    public CheckResult AtMostOneLeaderPerTerm()
    {
        var broken = leadersByTerm.Where(t => t.Value.Count > 1).OrderBy(t => t.Key)
            .Select(t => $"term {t.Key}: {string.Join(", ", t.Value.Keys.Order(StringComparer.Ordinal))}").ToArray();
        return broken.Length == 0
            ? CheckResult.Pass("at most one leader per term", $"{leadersByTerm.Count} terms observed")
            : CheckResult.Fail("at most one leader per term", string.Join("; ", broken));
    }
}
