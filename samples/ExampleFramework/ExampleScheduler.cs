using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Samples.ExampleFramework;

/// <summary>
/// The classic example framework: for each offer, launch tasks while work remains and the offer
/// has room for one more; decline what is left. Count the tasks that finish; stop when all have.
/// A task that ends any other way is reported and not retried (as the original aborts on them).
/// </summary>
public sealed class ExampleScheduler(int totalTasks, string command, Resources perTask, TextWriter log) : IScheduler
{
    private readonly object gate = new();
    private int launched;
    private int finished;
    private readonly List<string> unexpected = new();

    public int Finished { get { lock (gate) return finished; } }

    public IReadOnlyList<string> Unexpected { get { lock (gate) return [.. unexpected]; } }

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
                while (launched < totalTasks && left.Contains(perTask.AllocatableTo("*")))
                {
                    var id = (launched++).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    tasks.Add(new TaskInfo(id, $"task {id}", offer.AgentId, perTask, command));
                    left = left.Subtract(perTask);
                }
            }
            if (tasks.Count == 0)
            {
                driver.DeclineOffer(offer.Id, new Filters(TimeSpan.FromSeconds(5)));
                continue;
            }
            log.WriteLine($"Launching {tasks.Count} tasks on {offer.Hostname} ({string.Join(",", tasks.Select(t => t.TaskId))})");
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
            else unexpected.Add($"{status.TaskId}:{status.State.MesosName()}");
            done = finished + unexpected.Count >= totalTasks;
        }
        if (done)
        {
            log.WriteLine($"All {totalTasks} tasks ended: {Finished} finished, {Unexpected.Count} did not");
            driver.Stop();
        }
    }

    public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data) { }

    public void AgentLost(ISchedulerDriver driver, string agentId) => log.WriteLine($"Agent {agentId} lost");

    public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status) { }

    public void Error(ISchedulerDriver driver, string message) => log.WriteLine($"Error: {message}");
}
