using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// Tasks run as their user (the agent runs as root and switches by default): a command task and a
/// custom executor as <c>nobody</c>, and a user the machine does not know fails the task with a
/// message naming it, before anything runs.
/// </summary>
public sealed partial class ExecutorApiTests
{
    private const string NoSuchUser = "nosuchuser";

    private static RunTask CommandTask(string task, string command, string user) =>
        new(F, new TaskId(task), task, "*", "cpus:0.1;mem:16", command) { FrameworkInfo = new FrameworkSummary("my framework", user) };

    private async Task<string> FinishedSandboxAsync(string task)
    {
        (FrameworkId Framework, TaskId Task, TaskState State, string Sandbox, int PendingUpdates)? seen = null;
        await Poll.UntilAsync($"task {task} ends", () => (seen = agent.Tasks().SingleOrDefault(t => t.Task.Value == task)) is { } t && t.State.IsTerminal(),
            Wait, () => $"task: {seen}");
        var sandbox = seen!.Value.Sandbox;
        Assert.True(seen.Value.State == TaskState.Finished,
            $"{task} ended {seen.Value.State}; stderr: {File.ReadAllText(Path.Combine(sandbox, "stderr"))}");
        return sandbox;
    }

    [RootFact]
    public async Task AsRoot_ACommandTaskRunsAsItsFrameworksUser_AndWritesItsOwnSandbox()
    {
        var connection = await RegisterAsync();
        await connection.SendAsync(1, CommandTask("who", "id -un; echo mine > own-file", "nobody"));
        var sandbox = await FinishedSandboxAsync("who");
        Assert.Equal("nobody\n", await File.ReadAllTextAsync(Path.Combine(sandbox, "stdout")));
        Assert.Equal("mine\n", await File.ReadAllTextAsync(Path.Combine(sandbox, "own-file")));

        // The framework's user is root: root it is (no switch to somebody else).
        await connection.SendAsync(1, CommandTask("root", "id -un", "root"));
        Assert.Equal("root\n", await File.ReadAllTextAsync(Path.Combine(await FinishedSandboxAsync("root"), "stdout")));

        // The command's own user (CommandInfo.user) wins over the framework's.
        await connection.SendAsync(1, CommandTask("command-user", "id -un", "root") with { User = "nobody" });
        Assert.Equal("nobody\n", await File.ReadAllTextAsync(Path.Combine(await FinishedSandboxAsync("command-user"), "stdout")));
    }

    [RootFact]
    public async Task AsRoot_AUserThatDoesNotExist_FailsTheTaskNamingTheUser_AndNothingRuns()
    {
        var connection = await RegisterAsync();
        var marker = Path.Combine(workDir, "ran");
        await connection.SendAsync(1, CommandTask("ghost", $"touch '{marker}'", NoSuchUser));
        var failed = await NextAsync<StatusUpdate>(connection, u => u.Task.Value == "ghost");
        Assert.Equal((TaskState.Failed, "REASON_EXECUTOR_TERMINATED"), (failed.State, failed.Reason));
        Assert.Contains($"user '{NoSuchUser}' does not exist on this agent", failed.Message);
        var sandbox = agent.Tasks().Single(t => t.Task.Value == "ghost").Sandbox;
        Assert.False(File.Exists(Path.Combine(sandbox, "stdout")), "the task's output file was made");
        Assert.False(File.Exists(marker), "the task's command ran");
    }

    [RootFact]
    public async Task AsRoot_ACustomExecutorRunsAsItsFrameworksUser_AndAnUnknownUserFailsItsTasks()
    {
        var connection = await RegisterAsync();
        await connection.SendAsync(1, Launch("t1")); // its framework's user is nobody
        await Poll.UntilAsync("the executor's process runs", () => agent.Executors().Any(e => e.Process is not null), Wait);
        var process = ExecutorProcess();
        // The wrapper stays root; the executor's command below it runs as nobody.
        var nobody = UserAccounts.Lookup("nobody")!.Value;
        await Poll.UntilAsync("the executor's command runs as nobody", () => ProcessUids(process.Pid).Contains(nobody.Uid), Wait,
            () => $"uids in group {process.Pid}: [{string.Join(", ", ProcessUids(process.Pid))}]");

        await connection.SendAsync(1, Launch("t2", executor: "ex-ghost") with { FrameworkInfo = new FrameworkSummary("my framework", NoSuchUser) });
        var failed = await NextAsync<StatusUpdate>(connection, u => u.Task.Value == "t2");
        Assert.Equal(TaskState.Failed, failed.State);
        Assert.Contains($"user '{NoSuchUser}' does not exist on this agent", failed.Message);
        Assert.Equal("ex-ghost", (await NextAsync<ExecutorExited>(connection)).Executor);
    }

    [RootFact]
    public async Task AsRoot_ACommandHealthCheckRunsAsTheTasksUser()
    {
        var connection = await RegisterAsync();
        var check = new HealthCheckSpec(HealthCheckKind.Command, "[ \"$(id -un)\" = nobody ]", 0, "", "",
            DelaySeconds: 0, IntervalSeconds: 0.1, TimeoutSeconds: 10, ConsecutiveFailures: 1, GracePeriodSeconds: 0);
        await connection.SendAsync(1, CommandTask("checked", "sleep 60", "nobody") with { HealthCheck = check });
        try
        {
            StatusUpdate update;
            do
            {
                update = await NextAsync<StatusUpdate>(connection, u => u.Task.Value == "checked");
                await connection.SendAsync(1, new AcknowledgeUpdate(F, update.Task, update.Uuid));
            } while (update.Details?.Healthy is null && !update.State.IsTerminal());
            Assert.True(update.Details?.Healthy == true, $"the check as nobody: {update.State} healthy={update.Details?.Healthy} {update.Message}");
        }
        finally
        {
            await connection.SendAsync(1, new KillTask(F, new TaskId("checked"), 100));
            await Poll.UntilAsync("the checked task ends", () => agent.Tasks().Single(t => t.Task.Value == "checked").State.IsTerminal(), Wait);
        }
    }

    /// <summary>The real uids of the processes of process group <paramref name="group"/>, from /proc.</summary>
    private static uint[] ProcessUids(int group)
    {
        var uids = new List<uint>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var status = File.ReadAllLines(Path.Combine(dir, "status"));
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[2] != group.ToString(System.Globalization.CultureInfo.InvariantCulture)) continue;
                var uid = status.First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
                uids.Add(uint.Parse(uid, System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return [.. uids];
    }
}
