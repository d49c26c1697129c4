using System.Collections.Concurrent;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// A scheduler for tests: launches queued command tasks on the offers it gets (declining the rest
/// briefly), records every callback, and lets the test wait on what it saw.
/// </summary>
public sealed class RecordingScheduler : IScheduler
{
    private readonly ConcurrentQueue<(string TaskId, string Command, string? User)> toLaunch = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<TaskUpdate>> updates = new();
    private readonly ConcurrentQueue<Offer> offers = new();
    private readonly ConcurrentQueue<string> events = new();
    private readonly ConcurrentQueue<InverseOffer> inverseOffers = new();
    private readonly Resources perTask = ResourceText.Parse("cpus:0.1;mem:16");

    public IReadOnlyList<string> Events => [.. events];
    public IReadOnlyList<Offer> Offers => [.. offers];

    /// <summary>Every inverse offer received, in order.</summary>
    public IReadOnlyList<InverseOffer> InverseOffersSeen => [.. inverseOffers];

    /// <summary>
    /// How the scheduler answers inverse offers, from inside the callback: null ignores them (they stay
    /// outstanding), true accepts and false declines them all, with <see cref="InverseOfferFilters"/>.
    /// </summary>
    public bool? AcceptsInverseOffers { get; set; }

    public Filters? InverseOfferFilters { get; set; }
    public int Registrations { get; private set; }
    public int Reregistrations { get; private set; }
    public string? FrameworkId { get; private set; }
    public string? LastError { get; private set; }

    /// <param name="user">the command's own user (CommandInfo.user); null: the framework's.</param>
    public void Launch(string taskId, string command, string? user = null) => toLaunch.Enqueue((taskId, command, user));

    public IReadOnlyList<TaskState> StatesOf(string taskId) => updates.TryGetValue(taskId, out var q) ? [.. q.Select(u => u.State)] : [];

    public IReadOnlyList<TaskUpdate> UpdatesOf(string taskId) => updates.TryGetValue(taskId, out var q) ? [.. q] : [];

    public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master)
    {
        FrameworkId = frameworkId;
        Registrations++;
        events.Enqueue($"registered {frameworkId} {master.Address}");
    }

    public void Reregistered(ISchedulerDriver driver, MasterInfo master)
    {
        Reregistrations++;
        events.Enqueue($"reregistered {master.Address}");
    }

    public void Disconnected(ISchedulerDriver driver) => events.Enqueue("disconnected");

    public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers)
    {
        foreach (var offer in offers)
        {
            this.offers.Enqueue(offer);
            var left = offer.Resources;
            var tasks = new List<TaskInfo>();
            while (left.Contains(perTask) && toLaunch.TryDequeue(out var next))
            {
                tasks.Add(new TaskInfo(next.TaskId, next.TaskId, offer.AgentId, perTask, next.Command) { User = next.User });
                left = left.Subtract(perTask);
            }
            if (tasks.Count > 0) driver.LaunchTasks([offer.Id], tasks, new Filters(TimeSpan.Zero));
            else driver.DeclineOffer(offer.Id, new Filters(TimeSpan.FromMilliseconds(200)));
        }
    }

    public void OfferRescinded(ISchedulerDriver driver, string offerId) => events.Enqueue($"rescinded {offerId}");

    public void InverseOffers(ISchedulerDriver driver, IReadOnlyList<InverseOffer> inverseOffers)
    {
        foreach (var offer in inverseOffers) this.inverseOffers.Enqueue(offer);
        events.Enqueue($"inverse offers {string.Join(",", inverseOffers.Select(o => o.Id))}");
        IReadOnlyList<string> ids = [.. inverseOffers.Select(o => o.Id)];
        if (AcceptsInverseOffers == true) driver.AcceptInverseOffers(ids, InverseOfferFilters);
        else if (AcceptsInverseOffers == false) driver.DeclineInverseOffers(ids, InverseOfferFilters);
    }

    public void InverseOfferRescinded(ISchedulerDriver driver, string inverseOfferId) => events.Enqueue($"inverse offer rescinded {inverseOfferId}");

    public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status) =>
        updates.GetOrAdd(status.TaskId, _ => new ConcurrentQueue<TaskUpdate>()).Enqueue(status);

    public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data) =>
        events.Enqueue($"message {executorId}@{agentId} {System.Text.Encoding.UTF8.GetString(data)}");

    public void AgentLost(ISchedulerDriver driver, string agentId) => events.Enqueue($"agent lost {agentId}");

    public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status) =>
        events.Enqueue($"executor lost {executorId}@{agentId} status {status}");

    public void Error(ISchedulerDriver driver, string message)
    {
        LastError = message;
        events.Enqueue($"error {message}");
    }

    /// <summary>Polls until the condition holds; on timeout says what the scheduler saw.</summary>
    public Task WaitAsync(string phase, Func<bool> condition, TimeSpan timeout) =>
        Poll.UntilAsync(phase, condition, timeout, () => $"events [{string.Join("; ", Events.TakeLast(10))}], "
            + $"updates [{string.Join("; ", updates.Select(u => $"{u.Key}:{string.Join(">", u.Value.Select(s => s.State))}"))}], offers {offers.Count}");
}
