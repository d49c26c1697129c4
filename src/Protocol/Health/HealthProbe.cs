using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Protocol.Health;

/// <summary>Builds the probe a <see cref="HealthCheckSpec"/> asks for, and bounds probes by their timeout.</summary>
public static class HealthProbe
{
    /// <summary>
    /// The probe for <paramref name="spec"/>: a command runs in <paramref name="workingDirectory"/> (the
    /// task's sandbox) with <paramref name="environment"/> (the task's); HTTP and TCP probes ignore both.
    /// The caller (or the <see cref="HealthChecker"/> given it) disposes a probe that is <see cref="IDisposable"/>.
    /// A command runs below <paramref name="runAs"/> when given (the agent's <c>setpriv</c> arguments: the task's user).
    /// </summary>
    public static IHealthProbe For(HealthCheckSpec spec, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        TimeProvider time, IReadOnlyList<string>? runAs = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            HealthCheckKind.Command => new CommandProbe(spec.Command, workingDirectory, environment, time) { RunAs = runAs ?? [] },
            HealthCheckKind.Http => new HttpProbe(spec.Scheme, spec.Port, spec.Path, time),
            HealthCheckKind.Tcp => new TcpProbe(spec.Port, time),
            _ => throw new ArgumentException($"unknown health check kind {spec.Kind}", nameof(spec)),
        };
    }

    /// <summary>
    /// Runs <paramref name="check"/> with a token cancelled after <paramref name="timeout"/> or by
    /// <paramref name="token"/>: the timeout becomes a failed result that says <c>{what} timed out after …</c>,
    /// the caller's cancellation propagates.
    /// </summary>
    internal static async Task<ProbeResult> BoundedAsync(string what, TimeSpan timeout, TimeProvider time, CancellationToken token,
        Func<CancellationToken, Task<ProbeResult>> check)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, deadline.Token);
        try
        {
            return await check(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !token.IsCancellationRequested)
        {
            return ProbeResult.Fail($"{what} timed out after {HealthCheckPolicy.Describe(timeout)}");
        }
    }
}
