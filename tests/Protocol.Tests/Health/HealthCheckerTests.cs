using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Health;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Mesos.HA.Protocol.Tests.Health.HealthSpecs;

namespace Mesos.HA.Protocol.Tests.Health;

/// <summary>
/// The runner on a fake clock: the test moves the clock only once the checker says it waits for its
/// next check (its timer armed), then waits for the probe to be asked; nothing sleeps.
/// </summary>
public class HealthCheckerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider time = new(TaskStarted);
    private readonly ConcurrentQueue<HealthDecision> decisions = new();

    private HealthChecker Start(HealthCheckSpec spec, IHealthProbe probe) =>
        HealthChecker.Start(spec, TaskStarted, probe, (d, _) =>
        {
            decisions.Enqueue(d);
            return ValueTask.CompletedTask;
        }, time);

    /// <summary>Waits until the checker waits for a check due at <paramref name="secondsAfterStart"/>, moves the clock there, and waits for the probe to be asked.</summary>
    private async Task RunCheckAtAsync(HealthChecker checker, ScriptedProbe probe, double secondsAfterStart)
    {
        var due = TaskStarted.AddSeconds(secondsAfterStart);
        var asked = probe.Asked.Count;
        await Poll.UntilAsync($"the checker waits for the check due at {secondsAfterStart} s", () => checker.WaitingUntil == due, Deadline,
            seen: () => $"waiting until {checker.WaitingUntil:O}, completion {checker.Completion.Status}");
        time.SetUtcNow(due);
        await Poll.UntilAsync($"the check at {secondsAfterStart} s runs", () => probe.Asked.Count > asked, Deadline);
    }

    [Fact]
    public async Task Run_ChecksOnSchedule_ReportsInOrder_AndStopsItselfAfterTheKill()
    {
        var probe = new ScriptedProbe(time, Pass, Fail, Pass, Fail, Fail);
        var checker = Start(Spec(delay: 15, interval: 10, failures: 2), probe);
        foreach (var at in new[] { 15, 25, 35, 45, 55 }) await RunCheckAtAsync(checker, probe, at);
        await checker.Completion.WaitAsync(Deadline);

        Assert.Equal(new double[] { 15, 25, 35, 45, 55 }, probe.Asked.Select(t => (t - TaskStarted).TotalSeconds));
        Assert.Equal(1, probe.MostAtOnce);
        Assert.Equal<HealthDecision>(
        [
            new HealthReport(true, "pass 1", 0), new HealthReport(false, "fail 2", 1), new HealthReport(true, "pass 3", 0),
            new HealthReport(false, "fail 4", 1), new HealthReport(false, "fail 5", 2),
            new KillUnhealthyTask("2 consecutive health check failures; the last: fail 5", 2),
        ], decisions);
        Assert.Null(checker.WaitingUntil);
        Assert.True(probe.Disposed);
    }

    [Fact]
    public async Task Run_ACheckThatPassesAfterItsTimeout_IsReportedUnhealthy()
    {
        var probe = ScriptedProbe.Every(time, (t, _) =>
        {
            t.Advance(TimeSpan.FromSeconds(21));
            return Task.FromResult(ProbeResult.Pass("slow"));
        });
        await using var checker = Start(Spec(delay: 15, timeout: 20, grace: 0), probe);
        await RunCheckAtAsync(checker, probe, 15);
        await Poll.UntilAsync("the slow check is reported", () => !decisions.IsEmpty, Deadline);
        Assert.Equal<HealthDecision>([new HealthReport(false, "the check passed after 21 s, over its 20 s timeout", 1)], decisions);
        Assert.Equal(TimeSpan.FromSeconds(20), probe.Timeouts.Single());
    }

    [Fact]
    public async Task Run_AProbeThatThrows_CountsAsAFailedCheck()
    {
        var probe = ScriptedProbe.Every(time, (_, _) => throw new InvalidOperationException("boom"));
        await using var checker = Start(Spec(grace: 0), probe);
        await RunCheckAtAsync(checker, probe, 15);
        await Poll.UntilAsync("the failure is reported", () => !decisions.IsEmpty, Deadline);
        Assert.Equal<HealthDecision>([new HealthReport(false, "the probe failed: InvalidOperationException: boom", 1)], decisions);
        await RunCheckAtAsync(checker, probe, 25); // and it goes on checking
    }

    [Fact]
    public async Task Stop_DuringACheck_CancelsIt_AndDecidesNothing()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = ScriptedProbe.Every(time, async (_, token) =>
        {
            await using (token.Register(() => cancelled.SetResult()))
                await Task.Delay(Timeout.Infinite, token);
            return ProbeResult.Pass("never");
        });
        var checker = Start(Spec(), probe);
        await RunCheckAtAsync(checker, probe, 15);
        await checker.StopAsync().WaitAsync(Deadline);
        // The probe's body may only reach its registration after the stop; the token is cancelled by then either way.
        await cancelled.Task.WaitAsync(Deadline);
        Assert.Empty(decisions);
        Assert.True(probe.Disposed);
        await checker.StopAsync(); // stopping twice is fine
    }

    [Fact]
    public async Task Stop_WhileWaiting_EndsWithoutACheck()
    {
        var probe = new ScriptedProbe(time, Pass);
        var checker = Start(Spec(), probe);
        await Poll.UntilAsync("the checker waits", () => checker.WaitingUntil is not null, Deadline);
        await checker.DisposeAsync();
        Assert.True(checker.Completion.IsCompletedSuccessfully);
        Assert.Empty(probe.Asked);
    }

    [Fact]
    public async Task Run_ACallbackThatThrows_StopsTheCheckerAndFaultsItsCompletion()
    {
        var probe = new ScriptedProbe(time, Pass);
        var checker = HealthChecker.Start(Spec(), TaskStarted, probe, (_, _) => throw new InvalidOperationException("core gone"), time);
        await RunCheckAtAsync(checker, probe, 15);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => checker.Completion.WaitAsync(Deadline));
        Assert.Equal("core gone", e.Message);
        Assert.True(probe.Disposed);
    }

    [Fact]
    public void Start_ASpecOutOfRange_IsRefusedAtOnce()
    {
        Assert.Throws<ArgumentException>(() => Start(Spec(interval: 0), new ScriptedProbe(time)));
    }

    /// <summary>End to end on the real clock with a real TCP probe: healthy while listening, unhealthy then killed once it stops.</summary>
    [Fact]
    public async Task Run_RealClockAndTcpProbe_HealthyThenKilledAfterTheListenerStops()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var spec = new HealthCheckSpec(HealthCheckKind.Tcp, "", port, "", "", DelaySeconds: 0, IntervalSeconds: 0.05, TimeoutSeconds: 5,
            ConsecutiveFailures: 2, GracePeriodSeconds: 0);
        var real = new ConcurrentQueue<HealthDecision>();
        await using var checker = HealthChecker.Start(spec, TimeProvider.System.GetUtcNow(), HealthProbe.For(spec, "/", new Dictionary<string, string>(), TimeProvider.System),
            (d, _) =>
            {
                real.Enqueue(d);
                return ValueTask.CompletedTask;
            }, TimeProvider.System);
        await Poll.UntilAsync("the task is reported healthy", () => !real.IsEmpty, Deadline);
        listener.Stop();
        await checker.Completion.WaitAsync(Deadline);
        // A connect racing the listener's close may be reset from its backlog instead of refused: either is a failed probe.
        var failed = $"TCP connect to 127.0.0.1:{port} failed: ";
        static string Why(string message) => message.EndsWith("ConnectionReset", StringComparison.Ordinal) ? "ConnectionRefused" : message[^17..];
        var decisions = real.ToArray();
        Assert.Equal(new HealthReport(true, $"connected to 127.0.0.1:{port}", 0), decisions[0]);
        Assert.Equal([(false, 1, "ConnectionRefused"), (false, 2, "ConnectionRefused")],
            decisions[1..3].Cast<HealthReport>().Select(r => (r.Healthy, r.ConsecutiveFailures, Why(r.Message))).ToArray());
        Assert.All(decisions[1..3].Cast<HealthReport>(), r => Assert.StartsWith(failed, r.Message));
        var kill = Assert.IsType<KillUnhealthyTask>(decisions[3]);
        Assert.Equal(2, kill.ConsecutiveFailures);
        Assert.StartsWith($"2 consecutive health check failures; the last: {failed}Connection", kill.Message);
        Assert.Equal(4, decisions.Length);
    }

    private static Task<ProbeResult> Pass(FakeTimeProvider time, int n) => Task.FromResult(ProbeResult.Pass($"pass {n}"));

    private static Task<ProbeResult> Fail(FakeTimeProvider time, int n) => Task.FromResult(ProbeResult.Fail($"fail {n}"));

    /// <summary>
    /// A probe that answers the n-th check (from 1) with the n-th script entry (the last one repeats),
    /// recording when it was asked and how many checks ran at once.
    /// </summary>
    private sealed class ScriptedProbe : IHealthProbe, IDisposable
    {
        private readonly FakeTimeProvider time;
        private readonly Func<FakeTimeProvider, CancellationToken, Task<ProbeResult>>[] script;
        private readonly ConcurrentQueue<DateTimeOffset> asked = new();
        private readonly ConcurrentQueue<TimeSpan> timeouts = new();
        private int running;
        private int mostAtOnce;

        public ScriptedProbe(FakeTimeProvider time, params Func<FakeTimeProvider, int, Task<ProbeResult>>[] numbered)
            : this(time, numbered.Select((f, i) => (Func<FakeTimeProvider, CancellationToken, Task<ProbeResult>>)((t, _) => f(t, i + 1))).ToArray())
        {
        }

        private ScriptedProbe(FakeTimeProvider time, Func<FakeTimeProvider, CancellationToken, Task<ProbeResult>>[] script)
        {
            this.time = time;
            this.script = script;
        }

        /// <summary>A probe that answers every check with <paramref name="every"/>.</summary>
        public static ScriptedProbe Every(FakeTimeProvider time, Func<FakeTimeProvider, CancellationToken, Task<ProbeResult>> every) => new(time, [every]);

        public IReadOnlyList<DateTimeOffset> Asked => [.. asked];
        public IReadOnlyList<TimeSpan> Timeouts => [.. timeouts];
        public int MostAtOnce => Volatile.Read(ref mostAtOnce);
        public bool Disposed { get; private set; }

        public async Task<ProbeResult> CheckAsync(TimeSpan timeout, CancellationToken token)
        {
            var now = Interlocked.Increment(ref running);
            if (now > Volatile.Read(ref mostAtOnce)) Volatile.Write(ref mostAtOnce, now);
            try
            {
                var n = asked.Count;
                timeouts.Enqueue(timeout);
                asked.Enqueue(time.GetUtcNow());
                return await script[Math.Min(n, script.Length - 1)](time, token);
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }

        public void Dispose() => Disposed = true;
    }
}
