using System.Net;
using System.Net.Sockets;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// Runs only where a test can give a process its own resolver: root (to bind port 53 on 127.0.0.11-13 and
/// to make a mount namespace), <c>unshare</c>, and <c>/etc/resolv.conf</c> to mount over. Skipped, saying which is missing, otherwise.
/// </summary>
public sealed class LeaderMesosFactAttribute : FactAttribute
{
    /// <param name="python">the test also needs python3 (the Python example framework).</param>
    public LeaderMesosFactAttribute(bool python = false)
    {
        if (!Environment.IsPrivilegedProcess) Skip = $"needs root to bind DNS on port 53 and to make a mount namespace (running as {Environment.UserName})";
        else if (!File.Exists("/usr/bin/unshare")) Skip = "needs util-linux's unshare";
        else if (!File.Exists("/etc/resolv.conf")) Skip = "needs an /etc/resolv.conf to mount the test's over";
        else if (python && !File.Exists("/usr/bin/python3")) Skip = "needs python3 for the Python example framework";
        else if (!CanBind(IPAddress.Parse($"127.0.0.{MasterAddressing.FirstDistinctHost}"), 53, out var why)) Skip = $"cannot bind 127.0.0.{MasterAddressing.FirstDistinctHost}:53: {why}";
    }

    private static bool CanBind(IPAddress address, int port, out string why)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(address, port));
            why = "";
            return true;
        }
        catch (SocketException e)
        {
            why = e.Message;
            return false;
        }
    }
}

/// <summary>
/// A framework that knows the masters only as <c>leader.mesos</c>, resolved through the masters' own DNS
/// (a resolver configuration mounted in a mount namespace of the framework's process alone), runs
/// through a leader kill: its tasks keep finishing.
/// </summary>
public sealed class LeaderMesosEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [LeaderMesosFact]
    public async Task OurDriver_KnowingOnlyLeaderMesos_FinishesItsTasksAcrossALeaderKill()
    {
        await using var cluster = Cluster(out var root);
        await cluster.LeaderAsync();
        // Room for five tasks at a time: the second five run on offers of the new leader.
        await cluster.StartAgentAsync("cpus:0.5;mem:1024;disk:1024;ports:[31000-31099]");
        var release = Path.Combine(root, "release");
        // The sample as built in its own directory (its deps file there names every assembly it loads).
        var dll = Path.Combine(Repository.Root.Value, "samples", "ExampleFramework", "bin", "Release", "net10.0", "example-framework.dll");
        await RunThroughALeaderKillAsync(cluster, root, release,
            ["dotnet", dll, "--masters", $"leader.mesos:{cluster.Group.Masters[0].HttpPort}", "--tasks", "10",
                "--command", $"while [ ! -e {release} ]; do sleep 0.05; done"],
            registered: "Registered as framework", reregistered: "Re-registered with master", done: "All 10 tasks ended: 10 finished");
    }

    [LeaderMesosFact(python: true)]
    public async Task ThePythonDriver_KnowingOnlyLeaderMesos_FinishesItsTasksAcrossALeaderKill()
    {
        await using var cluster = Cluster(out var root);
        await cluster.LeaderAsync();
        await cluster.StartAgentAsync("cpus:0.5;mem:1024;disk:1024;ports:[31000-31099]");
        await RunThroughALeaderKillAsync(cluster, root, Path.Combine(root, "release"),
            ["python3", Repository.PythonExample, $"leader.mesos:{cluster.Group.Masters[0].HttpPort}", "--tasks", "8"],
            registered: "Registered with framework ID", reregistered: "Re-registered with master", done: "All tasks done",
            new Dictionary<string, string> { ["PYTHONPATH"] = Repository.PythonClient, ["PYTHONUNBUFFERED"] = "1" });
    }

    private ClusterHarness Cluster(out string root)
    {
        root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "leader-mesos-" + Guid.NewGuid().ToString("N")[..12]);
        return new ClusterHarness(new MasterGroup(3, root, ["--log-level", "Information"], addressing: new MasterAddressing(Distinct: true, DnsPort: 53)), output);
    }

    /// <summary>
    /// Starts <paramref name="command"/> with the masters' DNS as its only resolver, waits until it registered
    /// and its first tasks run, kills the leader, waits for a new one and the framework's re-registration, lets
    /// the tasks finish (<paramref name="release"/>), and expects the framework to end with every task finished.
    /// </summary>
    internal async Task RunThroughALeaderKillAsync(ClusterHarness cluster, string root, string release, string[] command,
        string registered, string reregistered, string done, IReadOnlyDictionary<string, string>? environment = null)
    {
        var resolv = Path.Combine(root, "resolv.conf");
        await File.WriteAllTextAsync(resolv, string.Concat(cluster.Group.Masters.Select(m => $"nameserver {m.Host}\n")) + "options timeout:1 attempts:3\n");
        var nsswitch = Path.Combine(root, "nsswitch.conf");
        await File.WriteAllTextAsync(nsswitch, "hosts: files dns\n");
        // The mounts are the framework's alone (a private mount namespace), gone when it exits.
        var script = $"mount --bind {resolv} /etc/resolv.conf && mount --bind {nsswitch} /etc/nsswitch.conf && exec \"$@\"";
        using var framework = OutputProcess.Start("unshare", ["--mount", "--propagation", "private", "sh", "-c", script, "sh", .. command], environment);
        try
        {
            await Poll.UntilAsync("the framework registers through leader.mesos", () => framework.Saw(registered) || framework.HasExited, Wait, () => framework.Tail());
            await Poll.UntilAsync("its first tasks run", () => framework.Saw("TASK_RUNNING") || framework.HasExited, Wait, () => framework.Tail());
            Assert.False(framework.HasExited, $"the framework exited before the leader was killed:\n{framework.Tail()}");
            var leader = await cluster.LeaderAsync();
            leader.Kill();
            var next = await cluster.Group.WaitForLeaderOtherThanAsync(leader, Wait);
            output.WriteLine($"killed master {leader.Id} ({leader.Host}); master {next.Id} ({next.Host}) leads");
            await Poll.UntilAsync("the framework re-registers through leader.mesos", () => framework.Saw(reregistered) || framework.HasExited, Wait, () => framework.Tail());
            await File.WriteAllTextAsync(release, "");
            // Waited for with its output drained: the process can end before its last lines are read (CI: the tail
            // stopped at "Task 8 is in state TASK_RUNNING", and "All tasks done" was not seen).
            var exitCode = await framework.WaitForExitAsync("the framework ends", Wait);
            output.WriteLine(framework.Tail());
            Assert.True(framework.Saw(done), $"the framework did not report every task finished:\n{framework.Tail()}");
            Assert.Equal(0, exitCode);
        }
        finally
        {
            output.WriteLine("--- framework output\n" + framework.Tail());
        }
    }
}
