using System.CommandLine;
using Mesos.HA.Cli.Local;

namespace Mesos.HA.Cli;

/// <summary>
/// <c>mesos-ha local</c>: a quorum of masters and some agents on 127.0.0.1 as child processes, for
/// trying the cluster on one machine. Prints the endpoints and every leader change, restarts a
/// master that exits; Ctrl-C stops everything it started (the children also exit if this process dies).
/// </summary>
internal static class LocalCommand
{
    public static Command Verb(CancellationToken token) => Declare.Verb("local",
        "Masters and agents on this machine; Ctrl-C stops them.",
        [
            Declare.Value("masters", "n", "masters to start: 1, 3, 5 or 7 (default 3)"),
            Declare.Value("agents", "n", "agents to start (default 2)"),
            Declare.Value("data-dir", "dir", "where the masters' and agents' data and logs go (default a new directory under the temp directory)"),
            Declare.Value("agent-resources", "text", "each agent's resources (default cpus:4;mem:4096;disk:4096;ports:[31000-31999])"),
            Declare.Flag("secure", "TLS from the cluster's own authority, credentials for every realm and a restrictive ACL (printed: the flags clients need)"),
            Declare.Flag("distinct-addresses", "each master on its own loopback address (127.0.0.11, .12, ...) with the same ports, so leader.mesos means one of them"),
            Declare.Value("dns-port", "n", "every master answers DNS on its address at that port (53 needs root; 0: a free one); off by default"),
        ],
        (_, args) => RunAsync(args, token));

    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var masters = args.Int("masters", 3, 1, 7);
        var agents = args.Int("agents", 2, 0, 64);
        var dataDir = args.Optional("data-dir");
        var resources = args.Optional("agent-resources") ?? "cpus:4;mem:4096;disk:4096;ports:[31000-31999]";
        var secure = args.Flag("secure");
        var distinct = args.Flag("distinct-addresses");
        int? dnsPort = args.Optional("dns-port") is null ? null : args.Int("dns-port", 0, 0, 65535);
        args.EnsureAllUsed();
        if (secure && distinct) throw new UsageException("--secure with --distinct-addresses is not supported: the local certificates name 127.0.0.1 only");
        if (masters % 2 == 0) throw new UsageException("--masters must be odd (1, 3, 5 or 7)");
        if (!Protocol.Resources.ResourceText.TryParse(resources, out _, out var bad)) throw new UsageException($"--agent-resources: {bad}");
        var root = Path.GetFullPath(dataDir ?? Path.Combine(Path.GetTempPath(), "mesos-ha-local", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        Protocol.StartupCheck.WritableDirectory(root, "--data-dir");
        using var security = secure ? LocalSecurity.Create(root, DateTimeOffset.UtcNow) : null;
        using var cluster = new LocalCluster(masters, agents, root, "Information", resources, security: security,
            addressing: new MasterAddressing(distinct, dnsPort));
        cluster.Start();
        var scheme = Protocol.Security.Https.SchemeOf(security?.Client);
        Console.WriteLine($"data and logs: {root}");
        foreach (var m in cluster.Masters.Masters)
            Console.WriteLine($"master {m.Id}: {m.Url("")}  raft {m.RaftAddress}{(m.DnsAddress is { } dns ? $"  dns {dns}" : "")}  log {m.LogFile}");
        foreach (var a in cluster.Agents)
            Console.WriteLine($"{a.Name}: {scheme}://127.0.0.1:{a.HttpPort}  work dir {a.WorkDirectory}  log {a.LogFile}");
        Console.WriteLine($"frameworks: --masters {string.Join(',', cluster.MasterAddresses)}");
        if (cluster.Masters.Masters[0].DnsPort is { } port)
            Console.WriteLine(port == 53
                ? $"dns: resolv.conf lines: {string.Join("; ", cluster.Masters.Masters.Select(m => $"nameserver {m.Host}"))}; then leader.mesos:{cluster.Masters.Masters[0].HttpPort}"
                : $"dns: dig @{cluster.Masters.Masters[0].Host} -p {port} leader.mesos (resolv.conf needs port 53: --dns-port 53 as root)");
        if (security is not null)
        {
            Console.WriteLine($"secure: TLS, every realm authenticated, a restrictive ACL ({security.AclsFile})");
            Console.WriteLine($"  operator verbs: --masters {string.Join(',', cluster.MasterAddresses)} {string.Join(' ', security.OperatorArgs())}");
            Console.WriteLine($"  frameworks: principal '{security.Framework.Principal}' (secret in {security.CredentialsFile}), CA {security.Certificates.AuthorityFile}");
        }
        string? lastLeader = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var leader = (await cluster.Masters.StatusesAsync(token)).FirstOrDefault(s => s.Status?.Role == "leader");
                var now = leader.Status is { } st ? $"master {leader.Master.Id} (term {st.Term}) {leader.Master.Url("")}" : "none";
                if (now != lastLeader)
                {
                    Console.WriteLine($"{DateTime.Now:HH:mm:ss.fff} leader: {now}");
                    lastLeader = now;
                }
                foreach (var m in cluster.Masters.Masters.Where(m => !m.IsRunning).ToArray())
                {
                    Console.WriteLine($"{DateTime.Now:HH:mm:ss.fff} master {m.Id} exited; restarting it");
                    cluster.Masters.Start(m);
                }
                foreach (var a in cluster.Agents.Where(a => !a.IsRunning).ToArray())
                {
                    Console.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {a.Name} exited; restarting it (its tasks are recovered)");
                    a.Start();
                }
                await Task.Delay(100, token);
            }
        }
        catch (OperationCanceledException) { }
        Console.WriteLine("stopping the agents, their tasks and the masters");
        return 0;
    }
}
