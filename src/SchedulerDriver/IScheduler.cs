namespace Mesos.HA.SchedulerDriver;

/// <summary>
/// The framework's callbacks, as in the classic Mesos scheduler API. They are called one at a time,
/// in event order, from the driver's event loop; calling the driver from inside them is fine.
/// </summary>
public interface IScheduler
{
    /// <summary>The first subscription succeeded: the framework has its id.</summary>
    void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master);

    /// <summary>The driver re-subscribed (a master failover, a broken stream) with the same framework id.</summary>
    void Reregistered(ISchedulerDriver driver, MasterInfo master);

    /// <summary>The subscription was lost; outstanding offers are void. The driver is re-subscribing.</summary>
    void Disconnected(ISchedulerDriver driver);

    void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers);

    void OfferRescinded(ISchedulerDriver driver, string offerId);

    /// <summary>
    /// The master asks for resources back: the agents' machines are scheduled for maintenance (Mesos'
    /// <c>inverseOffers</c>). Answer each with <see cref="ISchedulerDriver.AcceptInverseOffers"/> (the
    /// framework will have released the resources by the start of the unavailability) or
    /// <see cref="ISchedulerDriver.DeclineInverseOffers"/>; the master records the answer in its maintenance
    /// status for the operator. Inverse offers are advisory: a framework that ignores them (the default
    /// does nothing) leaves them outstanding, and the machine goes down all the same when the operator
    /// starts the maintenance.
    /// </summary>
    void InverseOffers(ISchedulerDriver driver, IReadOnlyList<InverseOffer> inverseOffers)
    {
    }

    /// <summary>
    /// An inverse offer is no longer valid (the maintenance was rescheduled or cancelled, or the agent is
    /// gone); answering it now has no effect. The default does nothing.
    /// </summary>
    void InverseOfferRescinded(ISchedulerDriver driver, string inverseOfferId)
    {
    }

    void StatusUpdate(ISchedulerDriver driver, TaskUpdate status);

    void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data);

    void AgentLost(ISchedulerDriver driver, string agentId);

    void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status);

    /// <summary>An unrecoverable error (the framework was removed or replaced); the driver has aborted.</summary>
    void Error(ISchedulerDriver driver, string message);
}

/// <summary>The calls a framework makes, as in the classic Mesos scheduler driver. Calls are queued and sent in order.</summary>
public interface ISchedulerDriver : IAsyncDisposable
{
    DriverStatus Status { get; }

    /// <summary>Starts subscribing (and keeps the subscription through failovers) in the background.</summary>
    DriverStatus Start();

    /// <summary>Stops the driver. Without <paramref name="failover"/> the framework is torn down (its tasks killed).</summary>
    DriverStatus Stop(bool failover = false);

    /// <summary>Stops the driver without tearing down the framework (it may re-subscribe within its failover timeout).</summary>
    DriverStatus Abort();

    /// <summary>Waits until the driver is stopped or aborted.</summary>
    Task<DriverStatus> JoinAsync();

    /// <summary>Start, then Join.</summary>
    Task<DriverStatus> RunAsync();

    DriverStatus LaunchTasks(IReadOnlyList<string> offerIds, IReadOnlyList<TaskInfo> tasks, Filters? filters = null);

    /// <summary>ACCEPT with LAUNCH operations (the only operation supported today).</summary>
    DriverStatus AcceptOffers(IReadOnlyList<string> offerIds, IReadOnlyList<TaskInfo> launches, Filters? filters = null);

    DriverStatus DeclineOffer(string offerId, Filters? filters = null);

    /// <summary>DECLINE of many offers in one call (the filter applies to each): what a framework holding many unwanted offers sends.</summary>
    DriverStatus DeclineOffers(IReadOnlyList<string> offerIds, Filters? filters = null);

    /// <summary>
    /// ACCEPT_INVERSE_OFFERS: the framework agrees to give back the inverse offers' resources by the start
    /// of their unavailability (the master records it in its maintenance status). <paramref name="filters"/>
    /// says how long until the master asks again. Dropped, like any call, while unsubscribed.
    /// </summary>
    DriverStatus AcceptInverseOffers(IReadOnlyList<string> inverseOfferIds, Filters? filters = null);

    /// <summary>
    /// DECLINE_INVERSE_OFFERS: the framework cannot give the resources back in time (the master records
    /// it; the maintenance may go ahead anyway). <paramref name="filters"/> says how long until the master
    /// asks again. Dropped, like any call, while unsubscribed.
    /// </summary>
    DriverStatus DeclineInverseOffers(IReadOnlyList<string> inverseOfferIds, Filters? filters = null);

    DriverStatus ReviveOffers(IReadOnlyList<string>? roles = null);

    DriverStatus SuppressOffers(IReadOnlyList<string>? roles = null);

    DriverStatus KillTask(string taskId);

    /// <summary>Acknowledges an update (only needed when the driver was created without implicit acknowledgements).</summary>
    DriverStatus AcknowledgeStatusUpdate(TaskUpdate status);

    /// <summary>
    /// Explicit reconciliation of the given tasks, asked again with backoff while the master leaves some
    /// unanswered; an empty list asks once for every task the master knows (implicit).
    /// </summary>
    DriverStatus ReconcileTasks(IReadOnlyList<string> taskIds);

    /// <summary>
    /// Explicit reconciliation of tasks with the agents the framework believes they are on, as a
    /// framework back from a failover reconciles what it had launched (a launch lost with the old
    /// process is answered TASK_LOST or TASK_UNKNOWN). Tasks left unanswered (their agent may still
    /// re-register after a failover) are asked about again with backoff; the driver keeps reconciling
    /// these tasks after later re-subscriptions until it hears a terminal state.
    /// </summary>
    DriverStatus ReconcileTasks(IReadOnlyList<(string TaskId, string? AgentId)> tasks);

    DriverStatus SendFrameworkMessage(string executorId, string agentId, byte[] data);
}
