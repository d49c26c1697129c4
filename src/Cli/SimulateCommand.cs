using System.CommandLine;
using System.Diagnostics;
using Mesos.HA.Replication;
using Mesos.HA.Simulation;

namespace Mesos.HA.Cli;

/// <summary>
/// <c>mesos-ha simulate</c>: runs the deterministic simulator over one seed or a range of seeds and
/// prints each failing seed with its broken invariants (every seed with <c>--verbose</c>); the same
/// seed always gives the same history digest. <c>bench simulate</c> measures its speed.
/// </summary>
internal static class SimulateCommand
{
    public static Command Verb() => Declare.Verb("simulate",
        "The deterministic simulation of a whole cluster: prints each failing seed with its broken invariants. " +
        "Exit status: 0 when every invariant held on every seed, 1 otherwise.",
        [
            Declare.Value("seed", "S", "the first seed (default 1)"),
            Declare.Value("seeds", "N", "runs S..S+N-1 (default 1)"),
            .. Options(),
            Declare.Flag("verbose", "a line for every seed, not only the failing ones"),
            Declare.Flag("trace", "print the whole history of each failing seed (of every seed with --verbose)"),
            Declare.Value("record", "dir", "write each leadership's input journal of each failing seed (every seed with --verbose) " +
                "to DIR/seed-S/N-<master>-term-T.journal (N: the order they began in), for mesos-ha replay"),
        ],
        (_, args) => Task.FromResult(Run(args)));

    /// <summary><c>bench simulate</c>, declared with the other benchmarks (<see cref="Bench.BenchCommands"/>).</summary>
    public static Command BenchVerb() => Declare.Verb("simulate",
        "The simulator's speed: simulated seconds per wall-clock second.",
        [
            Declare.Value("seeds", "N", "seeds timed (default 200)"),
            Declare.Value("seed", "S", "the first seed (default 1)"),
            Declare.Value("warmup", "W", "seeds run first and not counted (default 100)"),
            .. Options(),
        ],
        (_, args) => Task.FromResult(Bench(args)));

    /// <summary>The options of the simulated cluster, read by <see cref="Options(ArgReader)"/>.</summary>
    private static Option[] Options() =>
    [
        Declare.Value("ticks", "ms", "simulated milliseconds of the fault phase (default 30000); healing follows, up to 120000"),
        Declare.Value("masters", "n", "masters (default 3)"),
        Declare.Value("agents", "n", "agents (default 20)"),
        Declare.Value("frameworks", "n", "frameworks (default 5)"),
        Declare.Value("inject-bug", "name", "a test-only broken guarantee in the code the simulator runs, to see it caught: " +
            "drop-registry-commits, drop-terminal-updates"),
    ];

    public static int Run(ArgReader args)
    {
        var first = args.Int("seed", 1);
        var count = args.Int("seeds", 1, min: 1);
        var template = Options(args);
        var verbose = args.Flag("verbose");
        var trace = args.Flag("trace");
        var record = args.Optional("record");
        args.EnsureAllUsed();
        var failed = 0;
        var clock = Stopwatch.StartNew();
        long simulatedMs = 0;
        for (var seed = first; seed < first + count; seed++)
        {
            var report = Simulation.Simulation.Run(template with { Seed = seed, KeepTrace = trace, RecordJournals = record is not null });
            simulatedMs += report.SimulatedMs;
            if (!report.Passed) failed++;
            if (record is not null && (verbose || !report.Passed)) WriteJournals(record, report);
            if (verbose || !report.Passed) Console.WriteLine(report.Summary());
            if (trace && (verbose || !report.Passed)) foreach (var line in report.Trace) Console.WriteLine("  | " + line);
        }
        Console.WriteLine($"{count} seeds from {first}: {count - failed} passed, {failed} failed; {simulatedMs / 1000.0:F0} simulated s in {clock.Elapsed.TotalSeconds:F1} s");
        return failed == 0 ? 0 : 1;
    }

    private static void WriteJournals(string directory, SimulationReport report)
    {
        var seedDirectory = Path.Combine(directory, $"seed-{report.Seed}");
        Directory.CreateDirectory(seedDirectory);
        foreach (var (leadership, index) in report.Journals.OrderBy(j => j.Term).Select((j, i) => (j, i + 1)))
            File.WriteAllBytes(Path.Combine(seedDirectory, $"{index:D2}-{leadership.Master}-term-{leadership.Term}.journal"), leadership.Journal);
        Console.WriteLine($"  {report.Journals.Count} journals in {seedDirectory}");
    }

    /// <summary>
    /// <c>bench simulate</c>: <c>RESULT simulate seeds=N sim_seconds_per_wall_second=X</c> for a 3-master,
    /// 20-agent, 5-framework run, timed after <c>--warmup W</c> seeds that are run and not counted: the
    /// speed of a long run (an overnight sweep), not of the JIT. The first seeds of a process run mostly in
    /// code the JIT has not optimised yet (tiered compilation with dynamic PGO takes a few hundred seeds
    /// on two cores): 20 cold seeds ran at ~130 simulated s per s, 100 seeds after 20 at ~770, 200 after
    /// 100 at ~1,200. The warm-up seeds follow the timed ones, so both never overlap.
    /// </summary>
    public static int Bench(ArgReader args)
    {
        var count = args.Int("seeds", 200, min: 1);
        var first = args.Int("seed", 1);
        var warmup = args.Int("warmup", 100, min: 0);
        var template = Options(args);
        args.EnsureAllUsed();
        var failed = 0;
        for (var seed = first + count; seed < first + count + warmup; seed++)
            if (!Simulation.Simulation.Run(template with { Seed = seed }).Passed) failed++;
        long simulatedMs = 0;
        var clock = Stopwatch.StartNew();
        for (var seed = first; seed < first + count; seed++)
        {
            var report = Simulation.Simulation.Run(template with { Seed = seed });
            simulatedMs += report.SimulatedMs;
            if (!report.Passed)
            {
                failed++;
                Console.WriteLine(report.Summary());
            }
        }
        var wall = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"RESULT simulate seeds={count} masters={template.Masters} agents={template.Agents} frameworks={template.Frameworks} " +
            $"sim_seconds_per_wall_second={simulatedMs / 1000.0 / wall:F0} wall_s={wall:F1} warmup_seeds={warmup} failed={failed}");
        return failed == 0 ? 0 : 1;
    }

    private static SimulationOptions Options(ArgReader args)
    {
        var bug = args.Optional("inject-bug");
        InjectedBugs bugs = InjectedBugs.None;
        if (bug is not null) bugs = InjectedBugNames.Parse(bug, out var error) ?? throw new UsageException("--inject-bug: " + error);
        return new SimulationOptions
        {
            FaultMs = args.Int("ticks", 30_000, min: 0),
            Masters = args.Int("masters", 3, min: 1, max: 9),
            Agents = args.Int("agents", 20, min: 2, max: 10_000),
            Frameworks = args.Int("frameworks", 5, min: 2, max: 1_000),
            Bugs = bugs,
        };
    }
}
