using Mesos.HA.Checkers;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Chaos.Tests;

/// <summary>
/// The chaos run's framework: keeps up to <c>concurrency</c> short tasks in flight, each with a
/// fresh id, while launching is on; records every launch and every update it receives, and every
/// offer with when it arrived. Like any
/// framework that fails over, it reconciles every task it launched and has not seen end whenever it
/// (re-)registers: a launch lost with a killed framework process or a deposed master is then
/// answered TASK_LOST instead of holding a slot forever.
/// </summary>
internal sealed class ChaosScheduler(TaskHistory history, int concurrency, OfferHistory? offerHistory = null, string? executorCommand = null)
    : IScheduler
{
    private static readonly Resources PerTask = ResourceText.Parse("cpus:0.1;mem:16");
    private static readonly Resources PerExecutor = ResourceText.Parse("cpus:0.1;mem:32");
    private readonly HashSet<string> agentsWithExecutor = new(StringComparer.Ordinal);
    private int messages;
    private readonly Dictionary<string, string> live = new(StringComparer.Ordinal); // task -> agent
    private int next;

    public volatile bool Launching = true;
    public int Finished;
    public int Subscriptions;

    public int Live { get { lock (live) return live.Count; } }

    /// <summary>Progress reports received from the custom executors (framework messages).</summary>
    public int MessagesReceived => Volatile.Read(ref messages);

    public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers)
    {
        var now = Mesos.HA.Replication.LeadershipJournal.MonotonicMicros();
        foreach (var offer in offers)
        {
            offerHistory?.Received(offer.Id, now);
            var batch = new List<TaskInfo>();
            lock (live)
            {
                var left = offer.Resources;
                while (Launching && live.Count < concurrency && left.Contains(PerTask))
                {
                    var id = $"chaos-{next++:D5}";
                    // Every other task goes to the sample worker executor, which finishes it once told to (a framework message).
                    if (executorCommand is not null && next % 2 == 0)
                    {
                        var starts = !agentsWithExecutor.Contains(offer.AgentId);
                        var needed = starts ? PerTask.Add(PerExecutor) : PerTask;
                        if (!left.Contains(needed)) break;
                        agentsWithExecutor.Add(offer.AgentId);
                        batch.Add(new TaskInfo(id, id, offer.AgentId, PerTask, "")
                        {
                            Executor = new ExecutorInfo($"chaos-worker-{offer.AgentId}", executorCommand, PerExecutor, "chaos worker"),
                        });
                        left = left.Subtract(needed);
                    }
                    else
                    {
                        batch.Add(new TaskInfo(id, id, offer.AgentId, PerTask, "sleep 0.3"));
                        left = left.Subtract(PerTask);
                    }
                    live.Add(id, offer.AgentId);
                    history.Launched(id);
                }
            }
            if (batch.Count > 0) driver.LaunchTasks([offer.Id], batch, new Filters(TimeSpan.Zero));
            else driver.DeclineOffer(offer.Id, new Filters(TimeSpan.FromMilliseconds(500)));
        }
    }

    public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status)
    {
        history.Update(status.TaskId, status.State.MesosName());
        if (!status.State.IsTerminal()) return;
        lock (live)
            if (live.Remove(status.TaskId) && status.State == TaskState.Finished) Interlocked.Increment(ref Finished);
    }

    public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master) => Subscribed(driver);
    public void Reregistered(ISchedulerDriver driver, MasterInfo master) => Subscribed(driver);

    /// <summary>The tasks launched and not yet seen to end, with their agents (for a report when progress stalls).</summary>
    public IReadOnlyList<(string Task, string Agent)> LiveTasks() { lock (live) return [.. live.Select(l => (l.Key, l.Value))]; }

    private void Subscribed(ISchedulerDriver driver)
    {
        Interlocked.Increment(ref Subscriptions);
        (string, string?)[] launched;
        lock (live) launched = [.. live.Select(l => (l.Key, (string?)l.Value))];
        if (launched.Length > 0) driver.ReconcileTasks(launched);
    }
    public void Disconnected(ISchedulerDriver driver) { }
    public void OfferRescinded(ISchedulerDriver driver, string offerId) { }
    /// <summary>A worker's progress report: the task may finish (told again on every report, as messages are best effort).</summary>
    public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data)
    {
        Interlocked.Increment(ref messages);
        if (System.Text.Encoding.UTF8.GetString(data).Split(' ') is ["progress", var task, _])
            driver.SendFrameworkMessage(executorId, agentId, System.Text.Encoding.UTF8.GetBytes($"finish {task}"));
    }
    public void AgentLost(ISchedulerDriver driver, string agentId) { }
    /// <summary>The agent's worker ended (its agent was lost, or it was shut down): the next task there starts a new one.</summary>
    public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status)
    {
        lock (live) agentsWithExecutor.Remove(agentId);
    }
    public void Error(ISchedulerDriver driver, string message) => throw new InvalidOperationException("framework error: " + message);
}
