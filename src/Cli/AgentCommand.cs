using System.CommandLine;
using System.Net;
using Mesos.HA.Agent;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Cli;

/// <summary><c>mesos-ha agent</c>: runs one agent that follows the leading master.</summary>
internal static class AgentCommand
{
    public static Command Verb(CancellationToken token) => Declare.Verb("agent",
        "Run one agent that follows the leading master. " + Declare.Layering("agent"),
        [
            Declare.Value("masters", "host:port,...", "required: the masters' HTTP addresses (any of them; the agent finds the leader)"),
            Declare.Value("work-dir", "dir", "required: sandboxes and checkpoints; keep it across restarts to recover running tasks"),
            Declare.Value("resources", "text", "e.g. cpus:4;mem:8192;disk:20000;ports:[31000-32000];cpus(web):2 " +
                "(each named resource replaces the detected one; the rest is detected)"),
            Declare.Value("attributes", "k:v;...", "attributes reported to the master"),
            Declare.Value("hostname", "name", "advertised hostname (default: the machine's); an IP address is also bound"),
            Declare.Value("port", "n", "the agent's HTTP port for /health and /state (default 5051; 0 picks one)"),
            Declare.Value("kill-grace-ms", "n", "SIGTERM to SIGKILL delay when a task is killed (default 3000)"),
            Declare.Value("executor-registration-timeout", "duration", "a custom executor not subscribed this long after its launch is killed " +
                "and its tasks fail (default 1mins; durations as Mesos writes them: 500ms, 5secs, 1mins)"),
            Declare.Value("executor-shutdown-grace-period", "duration", "SHUTDOWN to SIGKILL delay for a custom executor (default 5secs)"),
            Declare.Value("executor-reregistration-timeout", "duration", "after an agent restart, how long a running executor has to subscribe " +
                "again before it is killed and its tasks lost (default 5secs)"),
            Declare.Flag("no-cgroups", "do not put tasks in cgroup v2 limits even where possible"),
            Declare.Flag("no-switch-user", "run tasks and executors as the agent's user, not as their framework's user " +
                "(which needs the agent to run as root; a user unknown here fails the task)"),
            Declare.Flag("authenticate-http-executors", "executor API calls must carry the calling executor's own token " +
                "(MESOS_EXECUTOR_AUTHENTICATION_TOKEN, given to every executor the agent launches): 401 without, 403 another's"),
            SecurityFlags.Credential("the agent"),
            .. SecurityFlags.AgentTls(),
            Declare.LogLevel("log-level", "Information"),
            Declare.Value("parent-pid", "pid", "exit when that process exits (local clusters and tests)"),
        ],
        (_, args) => RunAsync(args, token), section: "agent");

    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var masters = args.Required("masters").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var master in masters) EndPoints.Parse(master, "--masters entry");
        var workDir = Path.GetFullPath(args.Required("work-dir"));
        var given = args.Optional("resources");
        if (given is not null && !ResourceText.TryParse(given, out _, out var bad)) throw new UsageException($"--resources: {bad}");
        var attributes = ParseAttributes(args.Optional("attributes"));
        var hostname = args.Optional("hostname") ?? Dns.GetHostName();
        var defaults = new AgentOptions { Masters = [], WorkDirectory = "", Resources = Resources.Empty, Hostname = "" };
        var registrationTimeout = args.Duration("executor-registration-timeout", defaults.ExecutorRegistrationTimeout, zeroAllowed: false);
        var shutdownGracePeriod = args.Duration("executor-shutdown-grace-period", defaults.ExecutorShutdownGracePeriod, zeroAllowed: true);
        var reregistrationTimeout = args.Duration("executor-reregistration-timeout", defaults.ExecutorReregistrationTimeout, zeroAllowed: false);
        var level = Enum.TryParse<LogLevel>(args.Optional("log-level") ?? "Information", ignoreCase: true, out var l)
            ? l : throw new UsageException("--log-level must be Trace, Debug, Information, Warning or Error");
        var port = args.Int("port", 5051, 0, 65535);
        if (port == 0) port = EndPoints.FreePort();
        StartupCheck.WritableDirectory(workDir, "--work-dir");
        var bindAddress = IPAddress.TryParse(hostname, out var hostAddress) ? hostAddress : IPAddress.Any;
        StartupCheck.PortFree(bindAddress, port, "--port");
        var options = new AgentOptions
        {
            Masters = masters,
            WorkDirectory = workDir,
            Resources = ResourceDetection.Resolve(given, workDir),
            Attributes = attributes,
            Hostname = hostname,
            HttpPort = port,
            KillGracePeriod = TimeSpan.FromMilliseconds(args.Int("kill-grace-ms", 3000, 0, 600_000)),
            ExecutorRegistrationTimeout = registrationTimeout,
            ExecutorShutdownGracePeriod = shutdownGracePeriod,
            ExecutorReregistrationTimeout = reregistrationTimeout,
            UseCgroups = !args.Flag("no-cgroups"),
            SwitchUser = !args.Flag("no-switch-user"),
            AuthenticateHttpExecutors = args.Flag("authenticate-http-executors"),
            Credential = SecurityFlags.One(args),
            Tls = SecurityFlags.AgentTls(args),
            TlsAuthorityFile = args.Optional("tls-ca") is { } authority ? Path.GetFullPath(authority) : null,
        };
        var parentPid = args.Int("parent-pid", 0, 0);
        args.EnsureAllUsed();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        if (parentPid > 0) _ = ParentWatch.ExitWithAsync(parentPid, stop);
        var bind = IPAddress.TryParse(hostname, out _) ? hostname : "0.0.0.0";
        return await AgentHost.RunAsync(options, bind, logging => Logging.Configure(logging, level), stop.Token);
    }

    private static Dictionary<string, string> ParseAttributes(string? text)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = pair.IndexOf(':');
            if (colon <= 0) throw new UsageException($"--attributes entry '{pair}' is not name:value");
            attributes[pair[..colon]] = pair[(colon + 1)..];
        }
        return attributes;
    }
}
