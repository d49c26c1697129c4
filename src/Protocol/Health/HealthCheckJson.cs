using Mesos.HA.Protocol.Agent;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Protocol.Health;

/// <summary>
/// A task's health check between its v1 JSON (TaskInfo.health_check) and the checked
/// <see cref="HealthCheckSpec"/>: read by the master from a framework's launch (Mesos' defaults for what
/// is left out, nonsense refused), written into the LAUNCH event an executor gets, and read back there.
/// </summary>
public static class HealthCheckJson
{
    /// <summary>A day: longer delays, intervals or timeouts are mistakes (a value in milliseconds, say).</summary>
    public const double MaxCheckSeconds = 24 * 3600;

    /// <summary>The check, or null with <paramref name="error"/> naming the field under <paramref name="where"/>.</summary>
    public static HealthCheckSpec? TryRead(V1.HealthCheck check, string where, out string error)
    {
        error = "";
        var spec = check.Type switch
        {
            "COMMAND" => check.Command?.Value is not { Length: > 0 } command ? Fail($"{where}.command.value is missing", out error)
                : check.Command.Shell == false ? Fail($"{where}.command.shell=false is not supported; give a shell command", out error)
                : new HealthCheckSpec(HealthCheckKind.Command, command, 0, "", ""),
            "HTTP" => Http(check.Http, $"{where}.http", out error),
            "TCP" => TryPort(check.Tcp?.Port, $"{where}.tcp.port", out var port, out error)
                ? new HealthCheckSpec(HealthCheckKind.Tcp, "", port, "", "") : null,
            _ => Fail($"{where}.type must be COMMAND, HTTP or TCP, not '{check.Type}'", out error),
        };
        if (spec is null) return null;
        foreach (var (name, seconds, positive) in new[]
                 {
                     ("delay_seconds", check.DelaySeconds, false), ("interval_seconds", check.IntervalSeconds, true),
                     ("timeout_seconds", check.TimeoutSeconds, true), ("grace_period_seconds", check.GracePeriodSeconds, false),
                 })
            if (seconds is { } s && !((positive ? s > 0 : s >= 0) && s <= MaxCheckSeconds))
                return Fail($"{where}.{name} must be seconds {(positive ? "above" : "from")} 0 up to {MaxCheckSeconds}", out error);
        if (check.ConsecutiveFailures is < 0) return Fail($"{where}.consecutive_failures must not be negative", out error);
        return spec with
        {
            DelaySeconds = check.DelaySeconds ?? spec.DelaySeconds,
            IntervalSeconds = check.IntervalSeconds ?? spec.IntervalSeconds,
            TimeoutSeconds = check.TimeoutSeconds ?? spec.TimeoutSeconds,
            ConsecutiveFailures = check.ConsecutiveFailures ?? spec.ConsecutiveFailures,
            GracePeriodSeconds = check.GracePeriodSeconds ?? spec.GracePeriodSeconds,
        };
    }

    /// <summary>The check as a v1 HealthCheck, every timing written out.</summary>
    public static V1.HealthCheck ToContract(HealthCheckSpec spec) => new()
    {
        Type = spec.Kind switch { HealthCheckKind.Command => "COMMAND", HealthCheckKind.Http => "HTTP", _ => "TCP" },
        DelaySeconds = spec.DelaySeconds,
        IntervalSeconds = spec.IntervalSeconds,
        TimeoutSeconds = spec.TimeoutSeconds,
        ConsecutiveFailures = spec.ConsecutiveFailures,
        GracePeriodSeconds = spec.GracePeriodSeconds,
        Command = spec.Kind == HealthCheckKind.Command ? new V1.CommandInfo { Value = spec.Command, Shell = true } : null,
        Http = spec.Kind == HealthCheckKind.Http ? new V1.HttpCheck { Port = spec.Port, Path = spec.Path, Scheme = spec.Scheme } : null,
        Tcp = spec.Kind == HealthCheckKind.Tcp ? new V1.TcpCheck { Port = spec.Port } : null,
    };

    private static HealthCheckSpec? Http(V1.HttpCheck? http, string where, out string error)
    {
        if (!TryPort(http?.Port, $"{where}.port", out var port, out error)) return null;
        var scheme = http!.Scheme ?? "http";
        if (scheme is not ("http" or "https")) return Fail($"{where}.scheme must be http or https, not '{scheme}'", out error);
        var path = http.Path ?? "/";
        if (!path.StartsWith('/')) return Fail($"{where}.path must start with '/'", out error);
        return new HealthCheckSpec(HealthCheckKind.Http, "", port, path, scheme);
    }

    private static bool TryPort(int? given, string where, out int port, out string error)
    {
        port = given ?? 0;
        error = given is null ? $"{where} is missing" : given is < 1 or > 65535 ? $"{where} must be from 1 to 65535" : "";
        return error.Length == 0;
    }

    private static HealthCheckSpec? Fail(string message, out string error)
    {
        error = message;
        return null;
    }
}
