using System.Net;
using Mesos.HA.Protocol;

namespace Mesos.HA.ExecutorDriver;

/// <summary>
/// What a driver needs to reach its agent, normally from the environment the agent launched the
/// executor with (<see cref="FromEnvironment()"/>). Defaults are Mesos' own.
/// </summary>
public sealed record ExecutorDriverSettings
{
    public required string FrameworkId { get; init; }
    public required string ExecutorId { get; init; }

    /// <summary>The agent's HTTP endpoint, ip:port.</summary>
    public required string AgentEndpoint { get; init; }

    /// <summary>The executor's working directory on the agent's host.</summary>
    public string? Directory { get; init; }

    /// <summary>The sandbox as the executor sees it (inside a container it differs from <see cref="Directory"/>).</summary>
    public string? Sandbox { get; init; }

    /// <summary>Whether the framework checkpoints: only then does the driver outlive a broken stream (an agent restart).</summary>
    public bool Checkpoint { get; init; }

    /// <summary>How long a checkpointing driver keeps subscribing again after the stream broke before it shuts the executor down.</summary>
    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The longest wait between two subscription attempts (the backoff grows, jittered, up to this).</summary>
    public TimeSpan SubscriptionBackoffMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a stopping driver still sends the calls queued before it stopped (the agent kills the executor after it).</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one call (or opening a subscription) may take before it counts as a connection failure.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Calls and callbacks waiting at most, each; beyond it a call is refused with an error.</summary>
    public int MaxQueued { get; init; } = 1024;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// HTTPS to the agent, its certificate checked against these authorities: an agent on TLS says so with
    /// LIBPROCESS_SSL_ENABLED and LIBPROCESS_SSL_CA_FILE (Mesos' names). Null: plain HTTP.
    /// </summary>
    public Mesos.HA.Protocol.Security.TlsIdentity? Tls { get; init; }

    /// <summary>Seeds the backoff's jitter; null: a random seed.</summary>
    public int? BackoffSeed { get; init; }

    /// <summary>The executor's own token for the agent's executor API (MESOS_EXECUTOR_AUTHENTICATION_TOKEN), sent as a bearer token; a secret.</summary>
    public string? AuthenticationToken { get; init; }

    /// <summary>The settings without the token (which is a secret), so that printing them never leaks it.</summary>
    public override string ToString() =>
        $"ExecutorDriverSettings {{ FrameworkId = {FrameworkId}, ExecutorId = {ExecutorId}, AgentEndpoint = {AgentEndpoint}, " +
        $"Directory = {Directory}, Checkpoint = {Checkpoint}, Tls = {(Tls is null ? "off" : "on")}, AuthenticationToken = {(AuthenticationToken is null ? "none" : "given")} }}";

    /// <summary>Reads the process' environment; see <see cref="FromEnvironment(Func{string, string?})"/>.</summary>
    public static ExecutorDriverSettings FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Reads MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT (ip:port) and MESOS_DIRECTORY
    /// (required), MESOS_SANDBOX (default: the directory), MESOS_CHECKPOINT ("1" or "true"),
    /// MESOS_RECOVERY_TIMEOUT, MESOS_SUBSCRIPTION_BACKOFF_MAX and MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD
    /// (durations such as "15mins"), MESOS_EXECUTOR_AUTHENTICATION_TOKEN (optional). Throws <see cref="ExecutorSettingsException"/> naming the variable at fault.
    /// </summary>
    public static ExecutorDriverSettings FromEnvironment(Func<string, string?> variables)
    {
        var defaults = new ExecutorDriverSettings { FrameworkId = "", ExecutorId = "", AgentEndpoint = "" };
        var directory = Required(variables, "MESOS_DIRECTORY");
        return defaults with
        {
            FrameworkId = Required(variables, "MESOS_FRAMEWORK_ID"),
            ExecutorId = Required(variables, "MESOS_EXECUTOR_ID"),
            AgentEndpoint = Endpoint(variables, "MESOS_AGENT_ENDPOINT"),
            Directory = directory,
            Sandbox = Optional(variables, "MESOS_SANDBOX") ?? directory,
            Checkpoint = Flag(variables, "MESOS_CHECKPOINT"),
            RecoveryTimeout = Duration(variables, "MESOS_RECOVERY_TIMEOUT") ?? defaults.RecoveryTimeout,
            SubscriptionBackoffMax = Duration(variables, "MESOS_SUBSCRIPTION_BACKOFF_MAX") ?? defaults.SubscriptionBackoffMax,
            ShutdownGracePeriod = Duration(variables, "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD") ?? defaults.ShutdownGracePeriod,
            AuthenticationToken = Optional(variables, "MESOS_EXECUTOR_AUTHENTICATION_TOKEN"),
            Tls = Flag(variables, "LIBPROCESS_SSL_ENABLED") ? AgentAuthority(variables, defaults.Time.GetUtcNow()) : null,
        };
    }

    private static Mesos.HA.Protocol.Security.TlsIdentity AgentAuthority(Func<string, string?> variables, DateTimeOffset now)
    {
        try
        {
            return Mesos.HA.Protocol.Security.TlsIdentity.Load(new(null, null, Optional(variables, "LIBPROCESS_SSL_CA_FILE")), now);
        }
        catch (Mesos.HA.Protocol.Security.TlsException e)
        {
            throw new ExecutorSettingsException("LIBPROCESS_SSL_CA_FILE", e.Message);
        }
    }

    private static string? Optional(Func<string, string?> variables, string name) =>
        variables(name) is { Length: > 0 } value ? value : null;

    private static string Required(Func<string, string?> variables, string name) =>
        Optional(variables, name) ?? throw new ExecutorSettingsException(name, "missing; the agent sets it when it launches an executor");

    private static string Endpoint(Func<string, string?> variables, string name)
    {
        var text = Required(variables, name);
        if (!IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0)
            throw new ExecutorSettingsException(name, $"'{text}' is not ip:port");
        return text;
    }

    private static bool Flag(Func<string, string?> variables, string name) => Optional(variables, name) switch
    {
        null or "0" or "false" => false,
        "1" or "true" => true,
        var other => throw new ExecutorSettingsException(name, $"'{other}' is neither 1/true nor 0/false"),
    };

    private static TimeSpan? Duration(Func<string, string?> variables, string name)
    {
        if (Optional(variables, name) is not { } text) return null;
        if (!MesosDuration.TryParse(text, out var duration))
            throw new ExecutorSettingsException(name, $"'{text}' is not a Mesos duration ('5secs', '15mins')");
        return duration.ToTimeSpan();
    }
}
