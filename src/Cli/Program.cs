using Mesos.HA.Cli;
using Mesos.HA.Cli.Bench;

const string usage = """
    usage: mesos-ha <command> [options]
      master              run one master of a Raft group (mesos-ha master --help)
      demo                a local cluster, a framework running 40 tasks, the leader killed halfway; a timeline and a summary
      agent               run one agent (mesos-ha agent --help)
      state|leader|agents|frameworks|tasks [--masters H:P,...] [--json]   the cluster as its leader sees it
      masters list|add <raft>|remove <raft> [--masters H:P,...] [--json]  the Raft group's members; add or remove one master
      leader step-down [--masters H:P,...]                                 hand leadership to another master (well under a second)
      run [--masters H:P,...] [--cpus C] [--mem M] -- <command>            one task; exits with its exit status
      logs <task-id> [--stderr] [--follow] [--framework ID] [--masters H:P,...]   a task's stdout (stderr) from its agent's sandbox; --follow until it ends
      local               masters and agents on this machine: [--masters 3] [--agents 2] [--data-dir DIR]; Ctrl-C stops them
      bench replication   --masters 3 --writers W --seconds S   registry write throughput
      bench failover      --masters 3 --rounds N [--fault kill|pause|partition]   time from the fault to the next committed write
      bench stability     --seconds S                           3 masters, 2 agents, tasks running; leader changes without faults
      bench startup       --runs N [--settle-ms M]              start a 3-master group N times; elections beyond the first are spurious
      bench allocator     --agents A --frameworks F [--cycles N] DRF allocation cycle time
      bench launch        --tasks N [--concurrency C]           tasks (`true`) run through one master and one agent
      bench failover-e2e  --masters 3 --rounds N                kill the leader; time until the driver's first offer from the new one
      bench tasks         --agents A --tasks T                  tasks through the master and the driver on simulated agents
      bench executor      --tasks N [--executors E]             tasks launched into running custom executors (one master, one agent)
      bench simulate      --seeds N [--warmup W]                the simulator's speed: simulated seconds per wall-clock second
      simulate            --seed S [--seeds N] [--ticks MS]     the deterministic simulation of a whole cluster (mesos-ha simulate --help)
      replay              <journal>... [--verbose]              feed a leadership's journaled inputs to a fresh core (mesos-ha replay --help)
      noop-executor                                             a custom executor that finishes each task at once (started by an agent)
    """;

HashSet<string> BenchFlags = ["keep"];
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) =>
{
    try { cancel.Cancel(); } catch (ObjectDisposedException) { }
};

try
{
    return args switch
    {
        ["master", "--help"] => Print(MasterCommand.Usage, 0),
        ["master", .. var rest] => await MasterCommand.RunAsync(new ArgReader(rest, new HashSet<string> { "enable-bench", "emulate-power-loss", "join", "no-warm-up" }, "master"), cancel.Token),
        ["agent", "--help"] => Print(AgentCommand.Usage, 0),
        ["agent", .. var rest] => await AgentCommand.RunAsync(new ArgReader(rest, new HashSet<string> { "no-cgroups" }, "agent"), cancel.Token),
        ["demo", .. var rest] => await DemoCommand.RunAsync(new ArgReader(rest, new HashSet<string> { "keep" }), cancel.Token),
        ["masters", .. var rest] => await Mesos.HA.Cli.Operator.MembershipCommands.RunMastersAsync(rest, cancel.Token),
        ["leader", "step-down", .. var rest] => await Mesos.HA.Cli.Operator.MembershipCommands.StepDownAsync(new ArgReader(rest, new HashSet<string> { "json" }), cancel.Token),
        [var verb and ("state" or "leader" or "agents" or "frameworks" or "tasks"), .. var rest] =>
            await Mesos.HA.Cli.Operator.StateCommands.RunAsync(verb, new ArgReader(rest, new HashSet<string> { "json" }), cancel.Token),
        ["run", .. var rest] => await RunCommand.RunAsync(rest, cancel.Token),
        ["logs", "--help"] => Print(Mesos.HA.Cli.Operator.LogsCommand.Usage, 0),
        ["logs", .. var rest] => await Mesos.HA.Cli.Operator.LogsCommand.RunAsync(rest, cancel.Token),
        ["local", .. var rest] => await LocalCommand.RunAsync(new ArgReader(rest, new HashSet<string>()), cancel.Token),
        ["bench", "replication", .. var rest] => await ReplicationBench.RunAsync(new ArgReader(rest, BenchFlags), cancel.Token),
        ["bench", "failover", .. var rest] => await FailoverBench.RunAsync(new ArgReader(rest, BenchFlags), cancel.Token),
        ["bench", "failover-e2e", .. var rest] => await FailoverEndToEndBench.RunAsync(new ArgReader(rest, BenchFlags), cancel.Token),
        ["bench", "stability", .. var rest] => await StabilityBench.RunAsync(new ArgReader(rest, BenchFlags), cancel.Token),
        ["bench", "startup", .. var rest] => await StartupBench.RunAsync(new ArgReader(rest, BenchFlags), cancel.Token),
        ["bench", "tasks", .. var rest] => await TasksBench.RunAsync(new ArgReader(rest, BenchFlags), cancel.Token),
        ["bench", "executor", .. var rest] => await ExecutorBench.RunAsync(new ArgReader(rest, BenchFlags), cancel.Token),
        ["noop-executor"] => NoopExecutorCommand.Run(),
        ["bench", "launch", .. var rest] => await LaunchBench.RunAsync(new ArgReader(rest, BenchFlags), cancel.Token),
        ["bench", "allocator", .. var rest] => await AllocatorBench.RunAsync(new ArgReader(rest, new HashSet<string>()), cancel.Token),
        ["bench", "simulate", .. var rest] => SimulateCommand.Bench(new ArgReader(rest, new HashSet<string>())),
        ["simulate", "--help"] => Print(SimulateCommand.Usage, 0),
        ["simulate", .. var rest] => SimulateCommand.Run(new ArgReader(rest, new HashSet<string> { "verbose", "trace" })),
        ["replay", "--help"] => Print(ReplayCommand.Usage, 0),
        ["replay", .. var rest] => ReplayCommand.Run(rest),
        [] or ["--help"] or ["help"] => Print(usage, 0),
        _ => Print($"mesos-ha: unknown command '{string.Join(' ', args.Take(2))}'\n{usage}", 2),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"mesos-ha: {e.Message}");
    return 2;
}
catch (Mesos.HA.Protocol.StartupException e)
{
    Console.Error.WriteLine($"mesos-ha: {e.Message}");
    return 2;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    return 130;
}

static int Print(string text, int code)
{
    (code == 0 ? Console.Out : Console.Error).WriteLine(text);
    return code;
}
