using Mesos.HA.Checkers;

namespace Mesos.HA.Simulation;

/// <summary>What a run did and whether every invariant held.</summary>
public sealed record SimulationReport(
    int Seed,
    string Digest,
    long SimulatedMs,
    long Events,
    long HistoryLines,
    int Faults,
    long Terms,
    int TasksLaunched,
    int Offers,
    long HealedAfterMs,
    IReadOnlyList<CheckResult> Checks,
    IReadOnlyList<string> Trace)
{
    public bool Passed => Checks.All(c => c.Holds);

    /// <summary>Every leadership's journal, when the options asked for them.</summary>
    public IReadOnlyList<RecordedLeadership> Journals { get; init; } = [];

    /// <summary>Changes of the maintenance schedule the registry committed.</summary>
    public int MaintenanceChanges { get; init; }

    /// <summary>Inverse offers the leaders sent.</summary>
    public int InverseOffers { get; init; }

    public IEnumerable<CheckResult> Failures => Checks.Where(c => !c.Holds);

    /// <summary>One line: seed, digest and the run's size; the failed invariants follow when any.</summary>
    public string Summary() =>
        $"seed={Seed} digest={Digest} {(Passed ? "ok" : "FAILED")} sim_s={SimulatedMs / 1000.0:F1} events={Events} faults={Faults} terms={Terms} " +
        $"tasks={TasksLaunched} offers={Offers} maintenance={MaintenanceChanges} inverse_offers={InverseOffers} healed_after_ms={HealedAfterMs}" +
        (Passed ? "" : Environment.NewLine + string.Join(Environment.NewLine, Failures.Select(f => "  " + Shorten(f.ToString()))));

    private static string Shorten(string text) => text.Length <= 700 ? text : text[..700] + $"... ({text.Length} characters)";
}
