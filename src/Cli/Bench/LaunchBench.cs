using System.Diagnostics;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.SchedulerDriver;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench launch --tasks N</c>: one master and one agent process, and a framework in this
/// process that launches N trivial command tasks (<c>true</c>) on the offers it gets, acknowledging
/// every update. Measures from the first launch to the last TASK_FINISHED and prints
/// <c>RESULT launch tasks=N tasks_per_sec=X</c>. Every task runs as a real process with its sandbox,
/// checkpoints and durable status updates.
/// </summary>
internal static class LaunchBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var tasks = args.Int("tasks", 1000, 1, 1_000_000);
        var slots = args.Int("concurrency", 64, 1, 10_000);
        var keep = args.Flag("keep");
        var logLevel = args.Optional("log-level") ?? "Warning";
        args.EnsureAllUsed();

        // Each task takes 1 of `slots` cpus, so at most `slots` run at once on the agent.
        await using var cluster = await SingleAgentCluster.StartAsync("launch", $"cpus:{slots};mem:{slots * 32};disk:1024;ports:[31000-31001]",
            logLevel, keep, "launch-bench", token);
        var (elapsed, failed) = await DriveAsync(cluster.Framework, tasks, TrueTask, token);
        Console.WriteLine(FormattableString.Invariant($"launched {tasks} tasks in {elapsed.TotalSeconds:F2} s ({failed} did not finish cleanly)"));
        Console.WriteLine(FormattableString.Invariant($"RESULT launch tasks={tasks} tasks_per_sec={tasks / elapsed.TotalSeconds:F0}"));
        return failed == 0 ? 0 : 1;
    }

    /// <summary>A command task running <c>true</c>, taking one cpu.</summary>
    private static V1.TaskInfo TrueTask(int index, V1.Id? agent) => new()
    {
        Name = "true", TaskId = V1.Id.Of($"task-{index}"), AgentId = agent, Resources = OneCpu,
        Command = new() { Value = "true", Shell = true },
    };

    /// <summary>What each bench task takes: one cpu (the agent's cpus bound how many run at once) and a little memory.</summary>
    internal static readonly List<V1.Resource?> OneCpu =
    [
        new() { Name = "cpus", Type = "SCALAR", Scalar = new() { Value = 1 } },
        new() { Name = "mem", Type = "SCALAR", Scalar = new() { Value = 16 } },
    ];

    /// <summary>
    /// Launches on every offer as many tasks as its whole cpus allow (each made by <paramref name="task"/> from its
    /// index and the offer's agent) until all are launched; returns when all ended, timed from the first launch.
    /// </summary>
    internal static async Task<(TimeSpan Elapsed, int Failed)> DriveAsync(SchedulerConnection framework, int tasks,
        Func<int, V1.Id?, V1.TaskInfo> task, CancellationToken token)
    {
        var launched = 0;
        var ended = 0;
        var failed = 0;
        Stopwatch? clock = null;
        var pending = new List<Task>();
        await foreach (var e in framework.Events.ReadAllAsync(token))
        {
            switch (e.Type)
            {
                case V1.Event.OffersType:
                    foreach (var offer in (e.Offers?.Offers ?? []).OfType<V1.Offer>())
                    {
                        var cpus = (int)(offer.Resources ?? []).Where(r => r?.Name == "cpus").Sum(r => r!.Scalar?.Value ?? 0);
                        var batch = Math.Min(cpus, tasks - launched);
                        var infos = new List<V1.TaskInfo>();
                        for (var i = 0; i < batch; i++) infos.Add(task(launched + i, offer.AgentId));
                        launched += batch;
                        clock ??= Stopwatch.StartNew();
                        pending.Add(framework.CallAsync(new V1.Call
                        {
                            Type = V1.Call.AcceptType,
                            Accept = new()
                            {
                                OfferIds = [offer.Id],
                                Operations = [new() { Type = "LAUNCH", Launch = new() { TaskInfos = infos } }],
                                Filters = new() { RefuseSeconds = 0 },
                            },
                        }, token));
                    }
                    break;
                case V1.Event.UpdateType:
                    var status = e.Update!.Status!;
                    var state = status.State;
                    if (status.Uuid is { } uuid)
                    {
                        pending.Add(framework.CallAsync(new V1.Call
                        {
                            Type = V1.Call.AcknowledgeType,
                            Acknowledge = new() { AgentId = status.AgentId, TaskId = status.TaskId, Uuid = uuid },
                        }, token));
                    }
                    if (state is "TASK_FINISHED" or "TASK_FAILED" or "TASK_KILLED" or "TASK_ERROR" or "TASK_LOST" or "TASK_DROPPED")
                    {
                        ended++;
                        if (state != "TASK_FINISHED") failed++;
                    }
                    break;
            }
            pending.RemoveAll(t => t.IsCompletedSuccessfully);
            if (pending.FirstOrDefault(t => t.IsFaulted) is { } broken) await broken;
            if (ended == tasks) return (clock!.Elapsed, failed);
        }
        throw new InvalidOperationException($"the event stream ended after {ended} of {tasks} tasks");
    }
}
