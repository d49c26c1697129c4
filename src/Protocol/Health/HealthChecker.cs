using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Protocol.Health;

/// <summary>
/// Runs one task's health checks: waits on <see cref="TimeProvider"/> until the
/// <see cref="HealthCheckPolicy"/> says a check is due, runs the probe (one check at a time, never
/// overlapping), feeds the result to the policy and hands each decision to the callback. It stops
/// by itself after <see cref="KillUnhealthyTask"/>, or when stopped.
/// </summary>
/// <remarks>
/// <para>The callback is awaited on the checker's own loop, in order, never concurrently; the agent posts
/// the decision to its core's queue, an executor sends the status update. The token it gets is cancelled
/// when the checker is stopped. If the callback throws, the checker stops and <see cref="Completion"/>
/// faults with that exception.</para>
/// <para>A probe that throws anything but the stop's cancellation counts as a failed check: a broken
/// probe must show as an unhealthy task, not as a silent end of checking.</para>
/// <para>The checker owns the probe: it disposes an <see cref="IDisposable"/> one when it ends.</para>
/// </remarks>
public sealed class HealthChecker : IAsyncDisposable
{
    private readonly HealthCheckPolicy policy;
    private readonly IHealthProbe probe;
    private readonly Func<HealthDecision, CancellationToken, ValueTask> onDecision;
    private readonly TimeProvider time;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private DateTimeOffset? waitingUntil;

    private HealthChecker(HealthCheckSpec spec, DateTimeOffset taskStarted, IHealthProbe probe,
        Func<HealthDecision, CancellationToken, ValueTask> onDecision, TimeProvider time)
    {
        policy = new HealthCheckPolicy(spec, taskStarted);
        this.probe = probe;
        this.onDecision = onDecision;
        this.time = time;
        Completion = Task.Run(RunAsync);
    }

    /// <summary>
    /// Starts checking a task that started at <paramref name="taskStarted"/> (on <paramref name="time"/>'s
    /// clock): the first check runs <c>DelaySeconds</c> after it. Build <paramref name="probe"/> with
    /// <see cref="HealthProbe.For"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The spec's durations or failure count are out of range (see <see cref="HealthCheckPolicy"/>); the probe then stays the caller's to dispose.</exception>
    public static HealthChecker Start(HealthCheckSpec spec, DateTimeOffset taskStarted, IHealthProbe probe,
        Func<HealthDecision, CancellationToken, ValueTask> onDecision, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(onDecision);
        return new HealthChecker(spec, taskStarted, probe, onDecision, time);
    }

    /// <summary>Ends when the checker stopped: after a kill decision, after <see cref="Stop"/>, or faulted by the callback.</summary>
    public Task Completion { get; }

    /// <summary>
    /// When the checker, idle, will run its next check; null while a check or callback runs, and once
    /// it ended. Set only after its timer is armed, so a test that sees it may advance a fake clock.
    /// </summary>
    internal DateTimeOffset? WaitingUntil
    {
        get
        {
            lock (gate) return waitingUntil;
        }
    }

    /// <summary>
    /// Asks the checker to stop, without waiting: a running check is cancelled (a command's group killed)
    /// and its result dropped; a callback under way may still finish.
    /// </summary>
    public void Stop() => stop.Cancel();

    /// <summary>Stops the checker and waits until it ended: once this returns, no callback runs or will run.</summary>
    public async Task StopAsync()
    {
        Stop();
        await Completion.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch
        {
            // The fault was the callback's, and Completion still holds it for whoever watches.
        }
    }

    private async Task RunAsync()
    {
        var token = stop.Token;
        try
        {
            while (policy.UntilNextCheck(time.GetUtcNow()) is { } wait)
            {
                if (wait > TimeSpan.Zero)
                {
                    var due = policy.NextCheckDue;
                    var timer = Task.Delay(wait, time, token);
                    SetWaitingUntil(due);
                    await timer.ConfigureAwait(false);
                    SetWaitingUntil(null);
                    continue; // a timer may fire early on a coarse clock: ask the policy again
                }
                var result = await CheckAsync(token).ConfigureAwait(false);
                foreach (var decision in policy.Observe(result))
                {
                    token.ThrowIfCancellationRequested();
                    await onDecision(decision, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
        finally
        {
            SetWaitingUntil(null);
            (probe as IDisposable)?.Dispose();
        }
    }

    private void SetWaitingUntil(DateTimeOffset? due)
    {
        lock (gate) waitingUntil = due;
    }

    private async Task<HealthCheckResult> CheckAsync(CancellationToken token)
    {
        var started = time.GetUtcNow();
        ProbeResult outcome;
        try
        {
            outcome = await probe.CheckAsync(policy.Timeout, token).ConfigureAwait(false);
        }
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            outcome = ProbeResult.Fail($"the probe failed: {e.GetType().Name}: {e.Message}");
        }
        return new HealthCheckResult(started, time.GetUtcNow(), outcome.Passed, outcome.Message);
    }
}
