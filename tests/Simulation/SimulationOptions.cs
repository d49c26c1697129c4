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

    /// <summary>
    /// An operator changes the maintenance schedule now and then in the safety phase (one more kind of
    /// fault); off, a seed's faults are drawn as before maintenance existed.
    /// </summary>
    public bool Maintenance { get; init; } = true;

    /// <summary>
    /// An agent shut down because its machine went DOWN restarts, once the machine is UP, from its
    /// checkpoint with its old id (as this product's agent does) instead of as a new agent (as Mesos'
    /// does). Off by default: frameworks then hear the old tasks' ends after TASK_GONE (a product bug,
    /// reproduced by the skipped test in MaintenanceBugTests).
    /// </summary>
    public bool AgentsKeepStateAfterMaintenance { get; init; }

    /// <summary>
    /// The operator may take a machine DOWN while one of its agents has no session with the leader yet
    /// (a new leader's core knows its recovered agents by id only, not their machines): the core then
    /// keeps such an agent, which the registry removed, and its tasks end TASK_UNREACHABLE for good (a
    /// product bug, reproduced by the skipped test in MaintenanceBugTests). Off by default.
    /// </summary>
    public bool DownMachinesOfAgentsAwayFromTheLeader { get; init; }

    /// <summary>Test only: a broken guarantee the run should catch.</summary>
    public InjectedBugs Bugs { get; init; }

    /// <summary>Keep every history line (for the report of a failing seed).</summary>
    public bool KeepTrace { get; init; }

    /// <summary>Journal every leadership's inputs (see <see cref="SimulationReport.Journals"/>) for replay.</summary>
    public bool RecordJournals { get; init; }
}
