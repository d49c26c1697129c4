using System.Globalization;
using System.Text;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Samples.WorkerFramework;

/// <summary>How much work, and how the worker executor is started.</summary>
public sealed record WorkerPlan(int Tasks, int Steps, string ExecutorCommand)
{
    public Resources PerTask { get; init; } = ResourceText.Parse("cpus:0.1;mem:16");
    public Resources PerExecutor { get; init; } = ResourceText.Parse("cpus:0.1;mem:32");
}

/// <summary>
/// A framework with its own executor: one worker executor per agent (id <c>worker-AGENT</c>), several
/// tasks launched into each. The executor reports progress with framework messages
/// (<c>progress TASK STEP</c>); once a task has made <see cref="WorkerPlan.Steps"/> steps the framework
/// answers <c>finish TASK</c>, and the executor finishes it. Stops when every task finished.
/// </summary>
public sealed class WorkerScheduler(WorkerPlan plan, TextWriter log) : IScheduler
{
    private readonly object gate = new();
    private readonly HashSet<string> agentsWithExecutor = [];
    private readonly HashSet<string> finishSent = [];
    private readonly List<string> unexpected = [];
    private int launched;
    private int finished;

    public int Finished { get { lock (gate) return finished; } }

    public IReadOnlyList<string> Unexpected { get { lock (gate) return [.. unexpected]; } }

    /// <summary>Progress messages received (for tests and the log).</summary>
    public int ProgressMessages { get; private set; }

    /// <summary>Tasks told to finish.</summary>
    public int FinishesSent { get { lock (gate) return finishSent.Count; } }

    public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master) =>
        log.WriteLine($"Registered as framework {frameworkId} with master {master.Address}");

    public void Reregistered(ISchedulerDriver driver, MasterInfo master) => log.WriteLine($"Re-registered with master {master.Address}");

    public void Disconnected(ISchedulerDriver driver) => log.WriteLine("Disconnected; the driver is re-subscribing");

    public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers)
    {
        foreach (var offer in offers)
        {
            var left = offer.Resources.AllocatableTo(offer.Role);
            var tasks = new List<TaskInfo>();
            lock (gate)
            {
                // The executor's own resources come from the offer that starts it, once per agent.
                var starts = !agentsWithExecutor.Contains(offer.AgentId);
                var needed = starts ? plan.PerTask.AllocatableTo("*").Add(plan.PerExecutor.AllocatableTo("*")) : plan.PerTask.AllocatableTo("*");
                var executor = new ExecutorInfo($"worker-{offer.AgentId}", plan.ExecutorCommand, plan.PerExecutor, "worker executor");
                while (launched < plan.Tasks && left.Contains(needed))
                {
                    var id = "work-" + (launched++).ToString(CultureInfo.InvariantCulture);
                    tasks.Add(new TaskInfo(id, id, offer.AgentId, plan.PerTask, "") { Executor = executor });
                    left = left.Subtract(needed);
                    needed = plan.PerTask.AllocatableTo("*");
                    agentsWithExecutor.Add(offer.AgentId);
                }
            }
            if (tasks.Count == 0)
            {
                driver.DeclineOffer(offer.Id, new Filters(TimeSpan.FromSeconds(5)));
                continue;
            }
            log.WriteLine($"Launching {string.Join(",", tasks.Select(t => t.TaskId))} into worker-{offer.AgentId}");
            driver.LaunchTasks([offer.Id], tasks, new Filters(TimeSpan.Zero));
        }
    }

    public void OfferRescinded(ISchedulerDriver driver, string offerId) { }

    public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status)
    {
        log.WriteLine($"Task {status.TaskId} is in state {status.State.MesosName()}{(status.Message.Length > 0 ? ": " + status.Message : "")}");
        if (!status.State.IsTerminal()) return;
        bool done;
        lock (gate)
        {
            if (status.State == TaskState.Finished) finished++;
            else unexpected.Add($"{status.TaskId}:{status.State.MesosName()}:{status.Reason}");
            done = finished + unexpected.Count >= plan.Tasks;
        }
        if (done)
        {
            log.WriteLine($"All {plan.Tasks} tasks ended: {Finished} finished, {Unexpected.Count} did not");
            driver.Stop();
        }
    }

    /// <summary>Progress from an executor: once a task made its steps, tell the executor to finish it.</summary>
    public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data)
    {
        var words = Encoding.UTF8.GetString(data).Split(' ');
        if (words is not ["progress", var task, var stepText] || !int.TryParse(stepText, CultureInfo.InvariantCulture, out var step)) return;
        lock (gate)
        {
            ProgressMessages++;
            if (step < plan.Steps) return;
            finishSent.Add(task);
        }
        // Again on every later report: messages are best effort, and the executor ignores a task it already finished.
        driver.SendFrameworkMessage(executorId, agentId, Encoding.UTF8.GetBytes($"finish {task}"));
    }

    public void AgentLost(ISchedulerDriver driver, string agentId) => log.WriteLine($"Agent {agentId} lost");

    public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status)
    {
        log.WriteLine($"Executor {executorId} on {agentId} ended with status {status}");
        lock (gate) agentsWithExecutor.Remove(agentId);
    }

    public void Error(ISchedulerDriver driver, string message) => log.WriteLine($"Error: {message}");
}
