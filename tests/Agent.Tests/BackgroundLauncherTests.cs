using System.Collections.Concurrent;
using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Shell;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>The starters that spawn task processes off the agent's decision loop.</summary>
public sealed class BackgroundLauncherTests
{
    /// <summary>
    /// A start that throws (here the user lookup) fails that launch and no other: before, the exception ended
    /// the starter, and with both starters gone every launch queued behind them stayed TASK_STAGING for good.
    /// </summary>
    [Fact]
    public async Task AStartThatThrows_FailsThatLaunch_AndTheStartersGoOn()
    {
        var work = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "launcher-" + Guid.NewGuid().ToString("N")[..12]);
        using var stop = new CancellationTokenSource();
        var fed = new ConcurrentQueue<AgentInput>();
        try
        {
            var users = new UserSwitch(enabled: true, agentIsRoot: true, _ => throw new NotSupportedException("the user database broke"));
            var processes = new ProcessLauncher(new AgentPaths(work), Cgroups.Detect(wanted: false), users, TimeProvider.System, fed.Enqueue, stop.Token);
            var launcher = new BackgroundLauncher(processes, fed.Enqueue, stop.Token);
            var runs = Enumerable.Range(1, 4).Select(i => new RunKey(new FrameworkId("f"), new TaskId($"t{i}"), $"r{i}")).ToArray();
            foreach (var run in runs)
                Assert.Null(launcher.Start(new AgentId("a1"), run,
                    new RunTask(run.Framework, run.Task, run.Task.Value, "*", "cpus:0.1;mem:32", "true") { User = "nobody" }, ResourceText.Parse("cpus:0.1;mem:32")));

            await Poll.UntilAsync("every launch is answered", () => fed.Count == runs.Length, TimeSpan.FromSeconds(20),
                () => $"{fed.Count} of {runs.Length} answered");
            Assert.All(fed, answer => Assert.Contains("the user database broke", Assert.IsType<LaunchFailed>(answer).Error));
            Assert.Equal(runs.ToHashSet(), fed.Select(a => ((LaunchFailed)a).Run).ToHashSet());
        }
        finally
        {
            await stop.CancelAsync();
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }
}
