namespace Mesos.HA.SchedulerDriver.Core;

/// <summary>
/// What <see cref="DriverCore"/> decides on: what its transport reported (answers to a subscription
/// attempt, events on its stream, the stream's end), the passing of time (<see cref="Tick"/>), and the
/// scheduler's calls. Inputs about a subscription name its attempt: inputs about an attempt the core has
/// closed or replaced are stale and change nothing.
/// </summary>
public abstract record DriverInput;

/// <summary>The driver starts: the first subscription attempt goes out.</summary>
public sealed record StartDriver : DriverInput;

/// <summary>The master answered SUBSCRIBED: the stream of <paramref name="Attempt"/> is open.</summary>
public sealed record SubscribeAnswered(int Attempt, string FrameworkId, TimeSpan HeartbeatInterval) : DriverInput;

/// <summary>The master is not the leader and named the one it follows (a 307); null when it knows none (a 503).</summary>
public sealed record SubscribeRedirected(int Attempt, string? Leader) : DriverInput;

/// <summary>The attempt failed in a way another attempt may not (connection refused or broken, a 5xx, a malformed answer).</summary>
public sealed record SubscribeFailed(int Attempt, string Reason) : DriverInput;

/// <summary>The master refused the subscription for good (a 403, or an ERROR first event): retrying will not help.</summary>
public sealed record SubscribeRefused(int Attempt, string Reason) : DriverInput;

/// <summary>An event arrived on the stream of <paramref name="Attempt"/>.</summary>
public sealed record EventReceived(int Attempt, DriverEvent Event) : DriverInput;

/// <summary>The stream of <paramref name="Attempt"/> ended (the master died, stepped down or replaced it).</summary>
public sealed record StreamClosed(int Attempt) : DriverInput;

/// <summary>Time passed: deadlines up to the time given with the input are due (see <see cref="WakeAt"/>).</summary>
public sealed record Tick : DriverInput
{
    public static readonly Tick Instance = new();
}

/// <summary>The scheduler stops the driver; without <paramref name="Failover"/> the framework is torn down first.</summary>
public sealed record StopDriver(bool Failover) : DriverInput;

/// <summary>The scheduler aborts the driver: it ends without tearing the framework down.</summary>
public sealed record AbortDriver : DriverInput;

/// <summary>ACCEPT with LAUNCH operations: the tasks are live (reconciled after every subscription) until a terminal update.</summary>
public sealed record AcceptOffersCalled(IReadOnlyList<string> OfferIds, IReadOnlyList<TaskInfo> Tasks, Filters? Filters) : DriverInput;

/// <summary>DECLINE of one offer or many in one call (the filter applies to each).</summary>
public sealed record DeclineOffersCalled(IReadOnlyList<string> OfferIds, Filters? Filters) : DriverInput;

/// <summary>ACCEPT_INVERSE_OFFERS: the framework will give the resources back for the maintenance.</summary>
public sealed record AcceptInverseOffersCalled(IReadOnlyList<string> InverseOfferIds, Filters? Filters) : DriverInput;

/// <summary>DECLINE_INVERSE_OFFERS: the framework will not give the resources back in time.</summary>
public sealed record DeclineInverseOffersCalled(IReadOnlyList<string> InverseOfferIds, Filters? Filters) : DriverInput;

public sealed record ReviveOffersCalled(IReadOnlyList<string>? Roles) : DriverInput;

public sealed record SuppressOffersCalled(IReadOnlyList<string>? Roles) : DriverInput;

/// <summary>KILL, naming the agent the task was last heard on.</summary>
public sealed record KillTaskCalled(string TaskId) : DriverInput;

/// <summary>ACKNOWLEDGE of an update that carries a uuid and an agent (others need none).</summary>
public sealed record AcknowledgeCalled(TaskUpdate Update) : DriverInput;

/// <summary>
/// Explicit reconciliation, asked again with backoff while unanswered. With <paramref name="Track"/>
/// the tasks become live (reconciled after later subscriptions too), with the agent given or the one
/// known; without it a task's agent is the one known, and the task is not tracked. An empty list asks
/// once for every task the master knows.
/// </summary>
public sealed record ReconcileCalled(IReadOnlyList<(string TaskId, string? AgentId)> Tasks, bool Track) : DriverInput;

public sealed record FrameworkMessageCalled(string ExecutorId, string AgentId, byte[] Data) : DriverInput;
