using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent;

/// <summary>Settings of one agent process.</summary>
public sealed record AgentOptions
{
    /// <summary>The masters' HTTP addresses (<c>host:port</c>); any of them, the agent finds the leader.</summary>
    public required IReadOnlyList<string> Masters { get; init; }

    /// <summary>Sandboxes and checkpoints live here; keep it across agent restarts to recover tasks.</summary>
    public required string WorkDirectory { get; init; }

    public required Resources Resources { get; init; }

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    public required string Hostname { get; init; }

    /// <summary>The principal and secret the agent presents to masters that authenticate agents (<c>--credential</c>); none by default.</summary>
    public Mesos.HA.Protocol.Security.Credential? Credential { get; init; }

    /// <summary>HTTPS for the agent's own endpoints and to the masters (their certificates checked against its authorities); plain HTTP when null.</summary>
    public Mesos.HA.Protocol.Security.TlsIdentity? Tls { get; init; }

    /// <summary>The file of <see cref="Tls"/>'s authorities (<c>--tls-ca</c>), handed to executors so they can check the agent's certificate.</summary>
    public string? TlsAuthorityFile { get; init; }

    /// <summary>Where the agent serves its own HTTP endpoints (health, state); 0 picks a free port.</summary>
    public int HttpPort { get; init; }

    /// <summary>Between SIGTERM and SIGKILL when a task is killed (Mesos: 3 s by default for command tasks).</summary>
    public TimeSpan KillGracePeriod { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>A custom executor that has not subscribed this long after its launch is killed and its tasks fail (Mesos: 1 min).</summary>
    public TimeSpan ExecutorRegistrationTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Between an executor's SHUTDOWN event and the SIGKILL of its process group (Mesos: 5 s).</summary>
    public TimeSpan ExecutorShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After an agent restart, how long a recovered executor has to subscribe again before it is killed and its tasks lost (Mesos: 2 s).</summary>
    public TimeSpan ExecutorReregistrationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an executor keeps trying to re-subscribe to a restarting agent before it shuts down (MESOS_RECOVERY_TIMEOUT; Mesos: 15 min).</summary>
    public TimeSpan ExecutorRecoveryTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The longest wait between an executor's re-subscription attempts (MESOS_SUBSCRIPTION_BACKOFF_MAX; Mesos: 2 s).</summary>
    public TimeSpan ExecutorSubscriptionBackoffMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The executor API's address as executors reach it (<c>ip:port</c>, MESOS_AGENT_ENDPOINT); null: 127.0.0.1 and the HTTP port.</summary>
    public string? ExecutorEndpoint { get; init; }

    /// <summary>First delay of the leader-following retry pipeline; doubles with jitter up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectFirstDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often each side pings; a connection silent for <see cref="MaxMissedPings"/> periods is dropped.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int MaxMissedPings { get; init; } = 3;

    /// <summary>First resend delay of an unacknowledged status update; doubles up to <see cref="UpdateResendMax"/>.</summary>
    public TimeSpan UpdateResendFirst { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan UpdateResendMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Finished sandboxes are kept at most this long, less as the disk fills (Mesos' gc_delay: 1 week).</summary>
    public TimeSpan GcDelay { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Disk fraction kept free: sandboxes go sooner as usage approaches 1 - headroom (Mesos' gc_disk_headroom).</summary>
    public double GcDiskHeadroom { get; init; } = 0.1;

    /// <summary>
    /// Run each task and executor as its user (the framework's) when the agent is root (Mesos' <c>--switch_user</c>);
    /// a user unknown to the machine fails the task. Without root, or off, they run as the agent's user.
    /// </summary>
    public bool SwitchUser { get; init; } = true;

    /// <summary>Executor API calls must carry the calling executor's own token (Mesos' <c>--authenticate_http_executors</c>).</summary>
    public bool AuthenticateHttpExecutors { get; init; }

    /// <summary>Put each task in its own cgroup v2 with memory.max and cpu.max from its resources when possible.</summary>
    public bool UseCgroups { get; init; } = true;
}
