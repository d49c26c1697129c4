using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.SchedulerDriver;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench executor --tasks N [--executors E]</c>: one master and one agent process, and a
/// framework in this process. It first starts E custom executors (<c>mesos-ha noop-executor</c>, which
/// finishes every task at once) with one task each and waits for those to finish, then launches N tasks
/// into the running executors, acknowledging every update. Measures from the first of those launches to
/// the last TASK_FINISHED and prints <c>RESULT executor tasks=N tasks_per_sec=X</c>.
/// </summary>
internal static class ExecutorBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var tasks = args.Int("tasks", 2000, 1, 1_000_000);
        var executors = args.Int("executors", 4, 1, 64);
        var slots = args.Int("concurrency", 256, 1, 10_000);
        var keep = args.Flag("keep");
        var logLevel = args.Optional("log-level") ?? "Warning";
        args.EnsureAllUsed();

        // Each task takes 1 cpu and 16 MB, each executor 0.1 cpu and 32 MB (plus room to spare).
        await using var cluster = await SingleAgentCluster.StartAsync("executor",
            $"cpus:{slots + executors};mem:{slots * 16 + executors * 48};disk:1024", logLevel, keep, "executor-bench", token);
        var framework = cluster.Framework;
        var (warmUp, warmUpFailed) = await LaunchBench.DriveAsync(framework, executors, (i, a) => Task($"start-{i}", a, i % executors), token);
        Console.WriteLine(FormattableString.Invariant($"{executors} executors started and ran their first task in {warmUp.TotalSeconds:F2} s"));
        if (warmUpFailed > 0)
        {
            // No figure from executors that did not all start; a one-line reason.
            Console.Error.WriteLine($"bench executor: {warmUpFailed} of the executors' first tasks did not finish (see {cluster.Agent.LogFile} with --keep); no result");
            return 1;
        }

        var (elapsed, failed) = await LaunchBench.DriveAsync(framework, tasks, (i, a) => Task($"task-{i}", a, i % executors), token);
        Console.WriteLine(FormattableString.Invariant($"launched {tasks} tasks into {executors} running executors in {elapsed.TotalSeconds:F2} s ({failed} did not finish cleanly)"));
        Console.WriteLine(FormattableString.Invariant($"RESULT executor tasks={tasks} tasks_per_sec={tasks / elapsed.TotalSeconds:F0}"));
        return failed == 0 ? 0 : 1;
    }

    /// <summary>A task for executor <paramref name="executor"/>; every task of one executor carries the same ExecutorInfo.</summary>
    private static V1.TaskInfo Task(string id, V1.Id? agent, int executor) => new()
    {
        Name = id, TaskId = V1.Id.Of(id), AgentId = agent, Resources = LaunchBench.OneCpu,
        Executor = new V1.ExecutorInfo
        {
            ExecutorId = V1.Id.Of($"noop-{executor}"),
            Name = "noop executor",
            Command = new V1.CommandInfo { Value = ChildProcess.SelfCommand + " noop-executor", Shell = true },
            Resources =
            [
                new() { Name = "cpus", Type = "SCALAR", Scalar = new() { Value = 0.1 } },
                new() { Name = "mem", Type = "SCALAR", Scalar = new() { Value = 32 } },
            ],
        },
    };
}
