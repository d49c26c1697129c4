using System.Net;
using System.Net.Sockets;
using Mesos.HA.ExecutorDriver;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Http.V1;
using Xunit;
using TaskStatus = Mesos.HA.Protocol.Http.V1.TaskStatus;

namespace Mesos.HA.ExecutorDriver.Tests;

/// <summary>A custom executor's task health check through <see cref="TaskHealthCheck"/>: real TCP probes, updates and the kill decision.</summary>
public sealed class TaskHealthCheckTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>An executor driver that records what the executor sends.</summary>
    private sealed class RecordingDriver : IExecutorDriver
    {
        private readonly List<TaskStatus> updates = [];

        public IReadOnlyList<TaskStatus> Updates { get { lock (updates) return [.. updates]; } }

        public ExecutorDriverStatus SendStatusUpdate(TaskStatus status)
        {
            lock (updates) updates.Add(status);
            return ExecutorDriverStatus.Running;
        }

        public ExecutorDriverStatus Start() => ExecutorDriverStatus.Running;
        public ExecutorDriverStatus Stop() => ExecutorDriverStatus.Stopped;
        public ExecutorDriverStatus Abort() => ExecutorDriverStatus.Aborted;
        public ExecutorDriverStatus Join() => ExecutorDriverStatus.Stopped;
        public ExecutorDriverStatus Run() => ExecutorDriverStatus.Stopped;
        public ExecutorDriverStatus SendFrameworkMessage(byte[] data) => ExecutorDriverStatus.Running;
    }

    [Fact]
    public async Task HealthyOnce_ThenUnhealthyOnEveryFailure_ThenTheKill()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var probes = 0;
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var probe = await listener.AcceptSocketAsync();
                    Interlocked.Increment(ref probes);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { /* stopped */ }
        });
        var driver = new RecordingDriver();
        var killed = new TaskCompletionSource<TaskId>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = new TaskInfo
        {
            TaskId = new Id { Value = "t1" },
            HealthCheck = new HealthCheck
            {
                Type = "TCP", Tcp = new TcpCheck { Port = port }, DelaySeconds = 0, IntervalSeconds = 0.05, TimeoutSeconds = 1,
                GracePeriodSeconds = 0, ConsecutiveFailures = 2,
            },
        };
        await using var checker = TaskHealthCheck.Start(driver, task, Path.GetTempPath(), id => killed.TrySetResult(id))!;
        try
        {
            await Poll.UntilAsync("a healthy report", () => driver.Updates.Any(u => u.Healthy == true), Wait);
            // Several more passing checks: still exactly one healthy report.
            await Poll.UntilAsync("five checks pass", () => Volatile.Read(ref probes) >= 5, Wait);
            Assert.Single(driver.Updates);
        }
        finally
        {
            listener.Stop();
            await accepting;
        }
        Assert.Equal("t1", (await killed.Task.WaitAsync(Wait)).Value);
        var updates = driver.Updates;
        Assert.All(updates, u => Assert.Equal(("TASK_RUNNING", TaskHealthCheck.Reason), (u.State, u.Reason)));
        Assert.Equal([true, false, false], updates.Select(u => u.Healthy!.Value));
    }

    [Fact]
    public void NoHealthCheck_NoChecker_AndANonsenseOneIsRefused()
    {
        var driver = new RecordingDriver();
        Assert.Null(TaskHealthCheck.Start(driver, new TaskInfo { TaskId = new Id { Value = "t" } }, "/", _ => { }));
        var bad = new TaskInfo { TaskId = new Id { Value = "t" }, HealthCheck = new HealthCheck { Type = "TCP" } };
        Assert.Contains("tcp.port is missing", Assert.Throws<ArgumentException>(() => TaskHealthCheck.Start(driver, bad, "/", _ => { })).Message);
    }
}
