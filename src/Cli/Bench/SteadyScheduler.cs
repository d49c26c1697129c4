using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Cli.Bench;

/// <summary>A framework that keeps up to <c>concurrency</c> short tasks (<c>sleep 0.3</c>) in flight for as long as it runs.</summary>
internal sealed class SteadyScheduler(int concurrency) : IScheduler
{
    private static readonly Resources PerTask = ResourceText.Parse("cpus:0.1;mem:16");
    private readonly HashSet<string> live = new(StringComparer.Ordinal);
    private int next;

    public int Finished;

    public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers)
    {
        foreach (var offer in offers)
        {
            var batch = new List<TaskInfo>();
            lock (live)
            {
                var left = offer.Resources;
                while (live.Count < concurrency && left.Contains(PerTask))
                {
                    var id = $"steady-{next++:D6}";
                    live.Add(id);
                    batch.Add(new TaskInfo(id, id, offer.AgentId, PerTask, "sleep 0.3"));
                    left = left.Subtract(PerTask);
                }
            }
            if (batch.Count > 0) driver.LaunchTasks([offer.Id], batch, new Filters(TimeSpan.Zero));
            else driver.DeclineOffer(offer.Id, new Filters(TimeSpan.FromMilliseconds(500)));
        }
    }

    public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status)
    {
        if (!status.State.IsTerminal()) return;
        lock (live)
            if (live.Remove(status.TaskId) && status.State == TaskState.Finished) Interlocked.Increment(ref Finished);
    }

    public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master) { }
    public void Reregistered(ISchedulerDriver driver, MasterInfo master) { }
    public void Disconnected(ISchedulerDriver driver) { }
    public void OfferRescinded(ISchedulerDriver driver, string offerId) { }
    public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data) { }
    public void AgentLost(ISchedulerDriver driver, string agentId) { }
    public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status) { }
    public void Error(ISchedulerDriver driver, string message) { }
}
