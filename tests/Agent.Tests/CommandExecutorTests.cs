using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol.Resources;
using Xunit;

namespace Mesos.HA.Agent.Tests;

public class CommandExecutorTests
{
    [Fact]
    public void TaskEnvironment_HasTheMesosVariables_AndOnePortVariablePerPort()
    {
        var env = CommandLauncher.TaskEnvironment("/sb", "t1", "a1", "f1", ResourceText.Parse("cpus:1;ports:[31000-31001,31005-31005]"));
        Assert.Equal("/sb", env["MESOS_SANDBOX"]);
        Assert.Equal(("t1", "a1", "f1"), (env["MESOS_TASK_ID"], env["MESOS_AGENT_ID"], env["MESOS_FRAMEWORK_ID"]));
        Assert.Equal(("31000", "31001", "31005"), (env["PORT0"], env["PORT1"], env["PORT2"]));
        Assert.False(env.ContainsKey("PORT3"));
    }

    [Fact]
    public void Wrapper_RecordsTheExitCode_AndWritesOutputToTheSandbox()
    {
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "exec-" + Guid.NewGuid().ToString("N"));
        try
        {
            var spec = new LaunchSpec("echo out; echo err >&2; exit 7", Path.Combine(root, "sandbox"), Path.Combine(root, "meta"),
                Resources.Empty, new Dictionary<string, string> { ["MESOS_SANDBOX"] = Path.Combine(root, "sandbox") }, null);
            var (child, process) = CommandLauncher.Start(spec);
            Assert.True(child.WaitForExit(30_000));
            Assert.Equal(7, CommandLauncher.RecordedExitCode(spec.Meta));
            Assert.Equal("out\n", File.ReadAllText(Path.Combine(spec.Sandbox, "stdout")));
            Assert.Equal("err\n", File.ReadAllText(Path.Combine(spec.Sandbox, "stderr")));
            Assert.NotEqual(0, process.StartTicks);
            Assert.False(ProcessGroup.Alive(process));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void CgroupsDetection_SaysWhyLimitsAreOff_AndWritesLimitsWhenDelegated()
    {
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "cgroup-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(root);
            Assert.Contains("no cgroup v2", Cgroups.Detect(true, root).Reason);
            Assert.False(Cgroups.Detect(false, root).Enabled);

            File.WriteAllText(Path.Combine(root, "cgroup.controllers"), "cpu memory io");
            var self = Path.Combine(root, "self");
            File.WriteAllText(self, "0::/agent\n");
            Directory.CreateDirectory(Path.Combine(root, "agent"));
            File.WriteAllText(Path.Combine(root, "agent", "cgroup.subtree_control"), "io\n");
            Assert.Contains("does not delegate", Cgroups.Detect(true, root, self).Reason);

            File.WriteAllText(Path.Combine(root, "agent", "cgroup.subtree_control"), "cpu memory\n");
            var cgroups = Cgroups.Detect(true, root, self);
            Assert.True(cgroups.Enabled, cgroups.Reason);
            var path = cgroups.Create("run1", ResourceText.Parse("cpus:0.5;mem:128"))!;
            Assert.Equal((128L * 1024 * 1024).ToString(), File.ReadAllText(Path.Combine(path, "memory.max")));
            Assert.Equal("50000 100000", File.ReadAllText(Path.Combine(path, "cpu.max")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
