using Mesos.HA.Replication;

namespace Mesos.HA.Simulation;

/// <summary>One simulated run: its seed, its cluster, how long faults are injected and how long healing may take.</summary>
public sealed record SimulationOptions
{
    public int Seed { get; init; }
    public int Masters { get; init; } = 3;
    public int Agents { get; init; } = 20;
    public int Frameworks { get; init; } = 5;

    /// <summary>Tasks each framework keeps in flight while launching.</summary>
    public int TasksPerFramework { get; init; } = 6;

    /// <summary>Simulated milliseconds of the safety phase (faults injected, tasks launched).</summary>
    public long FaultMs { get; init; } = 30_000;

    /// <summary>Simulated milliseconds the healing phase may take to reach liveness before the run fails.</summary>
    public long HealMs { get; init; } = 120_000;

    /// <summary>Mean simulated milliseconds between two faults in the safety phase.</summary>
    public long MeanFaultGapMs { get; init; } = 1_500;

    /// <summary>Test only: a broken guarantee the run should catch.</summary>
    public InjectedBugs Bugs { get; init; }

    /// <summary>Keep every history line (for the report of a failing seed).</summary>
    public bool KeepTrace { get; init; }

    /// <summary>Journal every leadership's inputs (see <see cref="SimulationReport.Journals"/>) for replay.</summary>
    public bool RecordJournals { get; init; }
}
