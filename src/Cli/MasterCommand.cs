using System.CommandLine;
using System.Diagnostics;
using Mesos.HA.Master;
using Mesos.HA.Protocol;
using Mesos.HA.Replication;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Cli;

/// <summary><c>mesos-ha master</c>: runs one master of a static Raft group.</summary>
internal static class MasterCommand
{
    public static Command Verb(CancellationToken token) => Declare.Verb("master",
        "Run one master of a Raft group. " + Declare.Layering("master"),
        [
            Declare.Value("id", "n", "this master's number (for logs and status; default 1)"),
            Declare.Value("raft", "host:port", "required: this master's Raft endpoint; must be one of --peers (unless --join)"),
            Declare.Value("peers", "host:port,...", "a new group's masters' Raft endpoints, this one included (3 or 5; 1 for development); " +
                "only a seed: a master whose data directory holds a membership uses that one"),
            Declare.Flag("join", "a new master for a running group: starts frozen until the leader adds it (mesos-ha masters add <raft>); " +
                "--peers is then optional and must not name it"),
            Declare.Value("http", "host:port", "required: where this master serves HTTP (health, redirect, APIs)"),
            Declare.Value("data-dir", "dir", "required: Raft log and registry store; keep it on a durable disk"),
            Declare.Value("dns", "host:port", "answer DNS there (UDP and TCP): leader.mesos, _leader._tcp.mesos, master.mesos, " +
                "<task>.<framework>.mesos and their SRV records (off by default; port 53 needs root)"),
            Declare.Value("election-timeout-ms", "lo-hi", "election timeout range (default 150-200)"),
            Declare.Value("heartbeat-threshold", "f", "heartbeat period as a fraction of the lower timeout (default 0.1: 15 ms)"),
            Declare.Value("request-timeout-ms", "n", "Raft request timeout; must cover a snapshot install (default 1000)"),
            Declare.Value("connect-timeout-ms", "n", "Raft connect timeout, below the lower election timeout (default min(50, lower/3))"),
            Declare.Value("server-backlog", "n", "Raft listen backlog (default: other members - 1, at least 1)"),
            Declare.Value("snapshot-interval", "n", "registry entries between FASTER checkpoints (default 8192)"),
            Declare.Value("framework-heartbeat-ms", "n", "HEARTBEAT period on framework event streams (default 15000)"),
            Declare.Value("agent-ping-timeout-ms", "n", "ping period of agents, and how long one may take to answer (default 1000; Mesos' agent_ping_timeout, 15 s there)"),
            Declare.Value("max-agent-ping-timeouts", "n", "pings an agent may miss before it is marked unreachable (default 5, as Mesos)"),
            Declare.LogLevel("log-level", "Information"),
            Declare.Value("record-inputs", "dir", "journal each leadership's core inputs there, for mesos-ha replay"),
            Declare.Flag("no-warm-up", "skip the start-up warm-up of the replication path (a throw-away group)"),
            Declare.Value("parent-pid", "pid", "exit when that process exits (used by local clusters and tests)"),
            Declare.Flag("emulate-power-loss", "tests only: the write-ahead log keeps pages not yet flushed in private memory, " +
                "so killing the master loses them as a power cut would"),
            Declare.Flag("enable-bench", "benchmarks only: serve the master's /bench endpoints (mesos-ha bench replication)"),
            Declare.Flag("forward-to-leader", "a follower proxies the scheduler and operator APIs (and the leader's other endpoints) to the leader " +
                "instead of answering 307 as Mesos does, so clients that know one master or sit behind a load balancer keep working"),
            .. SecurityFlags.Master(),
            .. SecurityFlags.MasterTls(),
            // Deliberately hidden from the help: known bugs for the chaos suite's own tests (see InjectedBugsOf).
            new Option<string>("--inject-bug") { HelpName = "name,...", Hidden = true },
        ],
        (_, args) => RunAsync(args, token), section: "master");

    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var raft = EndPoints.Parse(args.Required("raft"), "--raft");
        var join = args.Flag("join");
        var peers = (join ? args.Optional("peers") ?? "" : args.Required("peers"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => EndPoints.Parse(p, "--peers entry")).ToArray();
        var http = EndPoints.Parse(args.Required("http"), "--http");
        var (lower, upper) = ParseRange(args.Optional("election-timeout-ms") ?? "150-200");
        var threshold = args.Optional("heartbeat-threshold") is { } t
            ? double.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out var th) ? th : throw new UsageException("--heartbeat-threshold must be a number")
            : 0.1;
        var level = Enum.TryParse<LogLevel>(args.Optional("log-level") ?? "Information", ignoreCase: true, out var l)
            ? l : throw new UsageException("--log-level must be Trace, Debug, Information, Warning or Error");
        var parentPid = args.Int("parent-pid", 0, 0);
        var options = new MasterOptions
        {
            Id = args.Int("id", 1, 0),
            HttpHost = http.Address.ToString(),
            HttpPort = http.Port,
            EnableBenchEndpoints = args.Flag("enable-bench"),
            Dns = args.Optional("dns") is { } dns ? EndPoints.Parse(dns, "--dns") : null,
            ForwardToLeader = args.Flag("forward-to-leader"),
            Authentication = SecurityFlags.MasterOptions(args),
            Acls = SecurityFlags.Acls(args),
            Leader = new LeaderShellOptions
            {
                RecordInputsDirectory = args.Optional("record-inputs") is { } record ? Path.GetFullPath(record) : null,
                AgentPingInterval = TimeSpan.FromMilliseconds(args.Int("agent-ping-timeout-ms", 1000, 100, 600_000)),
                MaxAgentPingTimeouts = args.Int("max-agent-ping-timeouts", 5, 1, 1000),
            },
            SchedulerApi = new Master.Scheduler.SchedulerApiOptions
            {
                Heartbeat = TimeSpan.FromMilliseconds(args.Int("framework-heartbeat-ms", 15_000, 100, 3_600_000)),
            },
            Replication = new ReplicationOptions
            {
                RaftEndPoint = raft,
                Members = peers,
                Join = join,
                DataDirectory = Path.GetFullPath(args.Required("data-dir")),
                HttpAddress = $"{http.Address}:{http.Port}",
                LowerElectionTimeout = TimeSpan.FromMilliseconds(lower),
                UpperElectionTimeout = TimeSpan.FromMilliseconds(upper),
                HeartbeatThreshold = threshold,
                RequestTimeout = TimeSpan.FromMilliseconds(args.Int("request-timeout-ms", 1000, 10, 60_000)),
                ConnectTimeout = TimeSpan.FromMilliseconds(args.Int("connect-timeout-ms", Math.Max(1, Math.Min(50, lower / 3)), 1, 60_000)),
                ServerBacklog = args.Optional("server-backlog") is null ? null : args.Int("server-backlog", 1, 1, 1024),
                SnapshotIntervalEntries = args.Int("snapshot-interval", 8192, 2),
                EmulatePowerLoss = args.Flag("emulate-power-loss"),
                InjectedBugs = InjectedBugsOf(args),
                WarmUp = !args.Flag("no-warm-up"),
                Tls = SecurityFlags.MasterTls(args),
            },
        };
        args.EnsureAllUsed();
        if (options.Replication.Validate() is { } error) throw new UsageException(error);

        StartupCheck.WritableDirectory(options.Replication.DataDirectory, "--data-dir");
        StartupCheck.PortFree(http.Address, http.Port, "--http");
        if (!raft.Equals(http)) StartupCheck.PortFree(raft.Address, raft.Port, "--raft");
        RaiseThreadPoolMinimum();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        if (parentPid > 0) _ = ParentWatch.ExitWithAsync(parentPid, stop);
        return await MasterHost.RunAsync(options, logging => Logging.Configure(logging, level), stop.Token);
    }

    /// <summary>
    /// <c>--inject-bug name[,name]</c>, declared hidden (not in --help): known bugs for the chaos
    /// suite's own tests (<see cref="InjectedBugs"/>). Refused unless MESOS_HA_ALLOW_BUG_INJECTION=1, so
    /// no configuration file or stray variable can turn one on in a real deployment.
    /// </summary>
    private static InjectedBugs InjectedBugsOf(ArgReader args)
    {
        if (args.Optional("inject-bug") is not { } names) return InjectedBugs.None;
        if (Environment.GetEnvironmentVariable(InjectedBugNames.AllowVariable) != "1")
            throw new UsageException($"--inject-bug is for tests only and needs {InjectedBugNames.AllowVariable}=1");
        return InjectedBugNames.Parse(names, out var error) ?? throw new UsageException("--inject-bug: " + error);
    }

    /// <summary>
    /// The thread pool starts with one worker per core and, once those are busy, adds about one thread
    /// per half second. FASTER and the write-ahead log block pool threads in synchronous I/O (checkpoints,
    /// msync), and start-up compiles on them; on a 2-core machine two such threads left the Raft
    /// heartbeat and vote continuations queued for longer than an election timeout. A few more
    /// threads created on demand cost a little memory and nothing while idle.
    /// </summary>
    private static void RaiseThreadPoolMinimum()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        var wanted = Math.Max(workers, Math.Max(16, 4 * Environment.ProcessorCount));
        ThreadPool.SetMinThreads(wanted, Math.Max(io, wanted));
    }

    private static (int Lower, int Upper) ParseRange(string text)
    {
        var parts = text.Split('-');
        if (parts.Length == 2 && int.TryParse(parts[0], out var lo) && int.TryParse(parts[1], out var hi) && lo > 0 && hi > lo)
            return (lo, hi);
        throw new UsageException($"--election-timeout-ms must look like 150-300, not '{text}'");
    }
}
