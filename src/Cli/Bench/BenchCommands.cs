using System.CommandLine;

namespace Mesos.HA.Cli.Bench;

/// <summary><c>mesos-ha bench &lt;kind&gt;</c>: each benchmark and its options; each prints a RESULT line.</summary>
internal static class BenchCommands
{
    public static Command Verb(CancellationToken token)
    {
        var bench = new Command("bench", "Benchmarks; each prints a RESULT line.");
        Command[] kinds =
        [
            Declare.Verb("replication", "Registry write throughput.",
                [Masters(3), Declare.Value("writers", "W", "concurrent writers (default 1)"), Seconds(10),
                 Declare.Value("warmup-seconds", "S", "writes before the timed ones (default 2)"), Declare.Keep()],
                (_, args) => ReplicationBench.RunAsync(args, token)),
            Declare.Verb("failover", "Time from the fault to the next committed write.",
                [Masters(3), Rounds(), Declare.Value("fault", "kind", "kill, pause or partition (default kill)"), Declare.Keep(),
                 Declare.Value("election-timeout-ms", "lo-hi", "the masters' election timeout range (default theirs)"),
                 Declare.LogLevel("master-log-level", "Warning"), MasterArgs(), .. SecurityModes.Flags()],
                (_, args) => FailoverBench.RunAsync(args, token)),
            Declare.Verb("failover-e2e", "Kill the leader; time until the driver's first offer from the new one.",
                [Masters(3), Rounds(), Declare.Keep(), Declare.LogLevel("log-level", "Warning")],
                (_, args) => FailoverEndToEndBench.RunAsync(args, token)),
            Declare.Verb("dns-failover", "Kill the leader; time until every surviving master's DNS names the new one as leader.mesos.",
                [Rounds(), Declare.Keep()],
                (_, args) => DnsFailoverBench.RunAsync(args, token)),
            Declare.Verb("stability", "3 masters, 2 agents, tasks running; leader changes without faults.",
                [Seconds(300), Concurrency(8), Declare.Keep(), Declare.LogLevel("master-log-level", "Information")],
                (_, args) => StabilityBench.RunAsync(args, token)),
            Declare.Verb("startup", "Start a 3-master group N times; elections beyond the first are spurious.",
                [Declare.Value("runs", "N", "start-ups (default 10)"),
                 Declare.Value("settle-ms", "ms", "how long each group runs after its first election (default 3000)"),
                 Masters(3), Declare.Keep(), MasterArgs()],
                (_, args) => StartupBench.RunAsync(args, token)),
            Declare.Verb("tasks", "Tasks through the master and the driver on simulated agents.",
                [Declare.Value("agents", "A", "simulated agents (default 1000)"), Tasks(100_000), Masters(1),
                 Declare.Value("slots", "n", "task slots per agent (default 100)"), Declare.Keep(), Declare.LogLevel("log-level", "Warning"),
                 .. SecurityModes.Flags()],
                (_, args) => TasksBench.RunAsync(args, token)),
            Declare.Verb("failover-scale", "Kill the leader of 3 masters holding A simulated agents and T running tasks; time each part's return.",
                [Declare.Value("agents", "A", "simulated agents (default 1000)"), Tasks(10_000), Rounds(3), Seed(), Declare.Keep(),
                 Declare.LogLevel("log-level", "Warning"), MasterArgs()],
                (_, args) => FailoverScaleBench.RunAsync(args, token)),
            Declare.Verb("agents", "One master holding A simulated agents (pings, no tasks): its CPU and memory.",
                [Declare.Value("agents", "A", "simulated agents (default 10000)"), Seconds(30), Seed(), Declare.Keep(),
                 Declare.LogLevel("log-level", "Warning"), MasterArgs()],
                (_, args) => AgentsBench.RunAsync(args, token)),
            Declare.Verb("executor", "Tasks launched into running custom executors (one master, one agent).",
                [Tasks(2000), Declare.Value("executors", "E", "custom executors (default 4)"), Concurrency(256), Declare.Keep(),
                 Declare.LogLevel("log-level", "Warning")],
                (_, args) => ExecutorBench.RunAsync(args, token)),
            Declare.Verb("launch", "Tasks (`true`) run through one master and one agent.",
                [Tasks(1000), Concurrency(64), Declare.Keep(), Declare.LogLevel("log-level", "Warning")],
                (_, args) => LaunchBench.RunAsync(args, token)),
            Declare.Verb("allocator", "DRF allocation cycle time.",
                [Declare.Value("agents", "A", "agents (default 10000)"), Declare.Value("frameworks", "F", "frameworks (default 1000)"),
                 Declare.Value("cycles", "N", "allocation cycles timed (default 10)"), Declare.Value("seed", "S", "the random seed (default 42)")],
                (_, args) => AllocatorBench.RunAsync(args, token)),
            SimulateCommand.BenchVerb(),
        ];
        foreach (var kind in kinds) bench.Add(kind);
        return bench;
    }

    private static Option<string> Masters(int fallback) => Declare.Value("masters", "n", $"masters in the group (default {fallback})");

    private static Option<string> Rounds(int fallback = 10) => Declare.Value("rounds", "N", $"faults, one after another (default {fallback})");

    private static Option<string> Seed() => Declare.Value("seed", "S", "of the agents' backoff jitter (default: picked and printed)");

    private static Option<string> Seconds(int fallback) => Declare.Value("seconds", "S", $"how long to run (default {fallback})");

    private static Option<string> Tasks(int fallback) => Declare.Value("tasks", "N", $"tasks to run (default {fallback})");

    private static Option<string> Concurrency(int fallback) => Declare.Value("concurrency", "C", $"tasks in flight at once (default {fallback})");

    private static Option<string> MasterArgs() =>
        Declare.Value("master-args", "args", "more options for every master, in one argument (--master-args=\"--no-warm-up\")");
}
