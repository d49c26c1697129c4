using Mesos.HA.Protocol;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    // Per task: the update the framework has not acknowledged yet, and those waiting behind it.
    private readonly Dictionary<(FrameworkId, TaskId), ForwardUpdate> unacknowledged = new();
    private readonly Dictionary<(FrameworkId, TaskId), Queue<ForwardUpdate>> waiting = new();
    // Per task: the last update the framework acknowledged (an agent's resend may cross the acknowledgement).
    private readonly Dictionary<(FrameworkId, TaskId), Guid> lastAcknowledged = new();
    // Per task: the state of that update: what the framework last heard through the update stream.
    private readonly Dictionary<(FrameworkId, TaskId), TaskState> lastAcknowledgedState = new();
    // Per task: the state of the update its agent will resend first, as reported at re-registration, until
    // the resend arrives. The framework hears that state next: answers about the task must not run ahead of it.
    private readonly Dictionary<(FrameworkId, TaskId), TaskState> resendPending = new();
    // Tasks whose terminal update was acknowledged, oldest first, kept for reconciliation up to a bound.
    private readonly Dictionary<(FrameworkId, TaskId), TrackedTask> completed = new();
    private readonly Queue<(FrameworkId, TaskId)> completedOrder = new();

    /// <summary>Completed tasks remembered for reconciliation and duplicate detection (Mesos keeps 1,000 per framework).</summary>
    public const int MaxCompletedTasks = 100_000;

    /// <summary>
    /// An agent reports a task's new state. The master records it and forwards it, in order: the
    /// next update of a task is forwarded only once the framework acknowledged the previous one.
    /// The agent resends an update until the acknowledgement reaches it: a resend of the update in
    /// flight is forwarded again (the framework may have lost it with its connection); a resend of
    /// one acknowledged gets the acknowledgement again (it was lost on the way); one waiting is dropped.
    /// A task the master holds as terminal stays terminal: a later non-terminal update is forwarded
    /// (the framework must still acknowledge it) but does not make the task hold resources again.
    /// </summary>
    public IReadOnlyList<Effect> StatusUpdate(AgentId agent, FrameworkId framework, TaskId task, TaskState state, Guid uuid, string message,
        string reason = "", Protocol.Agent.UpdateDetails? details = null)
    {
        var key = (framework, task);
        // A framework the master does not know was torn down or timed out (a new leader recovers every
        // other one from the registry): nobody will ever acknowledge, so the master does, and the agent stops resending.
        if (!frameworks.ContainsKey(framework.Value)) return [new ForwardAcknowledgement(agent, framework, task, uuid)];
        resendPending.Remove(key);
        // The task's end was acknowledged: the agent sends in order and its end last, so this is a stale
        // copy of an earlier update (one that waited in a socket or a paused master). Forwarded, it would
        // tell the framework a finished task runs again; the agent gets the acknowledgement it wants.
        if (completed.ContainsKey(key)) return [new ForwardAcknowledgement(agent, framework, task, uuid)];
        if (unacknowledged.TryGetValue(key, out var inFlight) && inFlight.Uuid == uuid) return [inFlight];
        // Acknowledged already: the acknowledgement was lost on its way to the agent; send it again.
        if (lastAcknowledged.TryGetValue(key, out var done) && done == uuid) return [new ForwardAcknowledgement(agent, framework, task, uuid)];
        if (waiting.TryGetValue(key, out var queued) && queued.Any(u => u.Uuid == uuid)) return [];
        // An update is the oldest the agent has not had acknowledged, not its latest state: after a
        // failover the agent reports a task TASK_FINISHED and then resends its TASK_RUNNING. A task the
        // master holds as terminal has had its resources offered again; a stale update must not bring
        // it back to life, or the agent's holdings exceed its total (Mesos ignores such updates too).
        if (tasks.TryGetValue(key, out var tracked) && !(tracked.State.IsTerminal() && !state.IsTerminal()))
            tasks[key] = tracked with { State = state };
        if (options.DropTerminalUpdates && state.IsTerminal()) return [new ForwardAcknowledgement(agent, framework, task, uuid)]; // injected bug
        var update = new ForwardUpdate(framework, agent, task, state, uuid, message) { Reason = reason, Details = details };
        if (unacknowledged.ContainsKey(key))
        {
            if (!waiting.TryGetValue(key, out var queue)) waiting[key] = queue = new Queue<ForwardUpdate>();
            queue.Enqueue(update);
            return [];
        }
        unacknowledged[key] = update;
        return [update];
    }

    /// <summary>
    /// ACKNOWLEDGE: passes the acknowledgement to the agent and releases the task's next update. An
    /// acknowledgement of an update this leader has not forwarded (one a previous leader forwarded)
    /// still goes to the task's agent, which knows its updates; one for an unknown task is refused.
    /// </summary>
    public IReadOnlyList<Effect> Acknowledge(FrameworkId framework, AgentId agent, TaskId task, Guid uuid, DateTimeOffset now = default)
    {
        var key = (framework, task);
        if (!unacknowledged.TryGetValue(key, out var expected) || expected.Uuid != uuid)
        {
            if (lastAcknowledged.TryGetValue(key, out var previous) && previous == uuid) return []; // a repeated acknowledgement
            if (expected is null && tasks.TryGetValue(key, out var known) && known.Agent == agent)
                return [new ForwardAcknowledgement(agent, framework, task, uuid)];
            return [new CallRejected(framework, $"no update {uuid} of task {task} on agent {agent} is waiting for an acknowledgement")];
        }
        var effects = new List<Effect> { new ForwardAcknowledgement(agent, framework, task, uuid) };
        unacknowledged.Remove(key);
        lastAcknowledged[key] = uuid;
        lastAcknowledgedState[key] = expected.State;
        if (waiting.TryGetValue(key, out var queue) && queue.TryDequeue(out var next))
        {
            unacknowledged[key] = next;
            effects.Add(next);
            if (queue.Count == 0) waiting.Remove(key);
        }
        else if (expected.State.IsTerminal())
        {
            Complete(key);
            effects.AddRange(CheckDrained(agent, now));
        }
        return effects;
    }

    /// <summary>The task's terminal update was acknowledged: it moves to the bounded set of completed tasks.</summary>
    private void Complete((FrameworkId, TaskId) key)
    {
        if (tasks.Remove(key, out var task)) RememberEnded(task);
    }

    /// <summary>The agent of a task dropped before it was placed on one (its ACCEPT named no offer this master had).</summary>
    private static readonly AgentId NoAgent = new("");

    /// <summary>
    /// A task that ended: kept in the bounded set of completed tasks, so that a KILL or RECONCILE of it is answered with
    /// the end the framework was told. Also a task dropped or refused at launch, which never ran: without it a
    /// KILL sent before the framework heard TASK_DROPPED was answered TASK_UNKNOWN after it (the simulator's seed 201433).
    /// </summary>
    private void RememberEnded(TrackedTask task)
    {
        var key = (task.Framework, task.Id);
        completed[key] = task;
        completedOrder.Enqueue(key);
        while (completedOrder.Count > MaxCompletedTasks)
        {
            var old = completedOrder.Dequeue();
            completed.Remove(old);
            lastAcknowledged.Remove(old);
            lastAcknowledgedState.Remove(old);
        }
    }

    /// <summary>
    /// KILL: a live task is killed by its agent; one that already ended is answered with its final state
    /// (nothing, when the updates saying so are still on their way). An unknown one is answered as
    /// RECONCILE answers it: not while its agent (any agent, when the call names none) may still
    /// re-register or is being readmitted, TASK_UNREACHABLE (or TASK_LOST) when the named agent is
    /// unreachable, else TASK_UNKNOWN (partition-aware frameworks) or TASK_LOST. A framework told
    /// TASK_UNKNOWN stops watching a task; one that then comes back with its agent runs on unkilled
    /// (the simulator found it: seed 9, and seeds 100120 and 100859 of a 10,000-seed run).
    /// </summary>
    public IReadOnlyList<Effect> Kill(FrameworkId framework, TaskId task, AgentId? agent = null)
    {
        if (tasks.TryGetValue((framework, task), out var tracked) && IsLive(tracked.State))
            return [new KillTask(tracked.Agent, framework, task)];
        if (resendPending.ContainsKey((framework, task)) || unacknowledged.ContainsKey((framework, task))
            || tracked is not null && AheadOfTheStream(tracked))
            return []; // it ended, and the updates saying so are on their way through the ordered stream
        if (tracked is not null && pendingAgents.ContainsKey(tracked.Agent))
            return []; // its agent's readmission is being written: the commit tells
        if (tracked is not null || completed.TryGetValue((framework, task), out tracked))
            return [new SendUpdate(framework, task, tracked.State, "REASON_RECONCILIATION", "task is not running")];
        return [.. Reconcile(framework, [(task, agent)])];
    }

    /// <summary>
    /// The state a reconciliation answers with: that of the oldest update the framework has not
    /// acknowledged (in flight, or waiting for its agent's resend after a failover), else the latest. The
    /// latest may be ahead of updates still to come: a framework told TASK_FINISHED and then sent the
    /// agent's resent TASK_RUNNING hears its task go backwards (the simulator found it in 50 of 200 seeds;
    /// Mesos answers with the status update state for the same reason).
    /// <para>After the framework acknowledged the agent's resend, the latest state its agent reported at
    /// re-registration is still ahead of the stream until the agent's next update arrives: the answer is
    /// the state the framework last acknowledged. The agent may yet resend that one (it died before it
    /// recorded the acknowledgement), and a framework told the end first would hear its task run again
    /// (the simulator's seed 100461; Mesos answers with the last forwarded status update's state).</para>
    /// </summary>
    private TaskState HeardNext(TrackedTask t) =>
        unacknowledged.TryGetValue((t.Framework, t.Id), out var inFlight) ? inFlight.State
        : resendPending.TryGetValue((t.Framework, t.Id), out var next) ? next
        : AheadOfTheStream(t) ? lastAcknowledgedState[(t.Framework, t.Id)]
        : t.State;

    /// <summary>The task's state came from its agent's report and no update carrying it was forwarded yet.</summary>
    private bool AheadOfTheStream(TrackedTask t) =>
        !unacknowledged.ContainsKey((t.Framework, t.Id)) && !resendPending.ContainsKey((t.Framework, t.Id))
        && lastAcknowledgedState.TryGetValue((t.Framework, t.Id), out var heard) && heard != t.State;

    /// <summary>How a task no master knows is answered: TASK_UNKNOWN to a partition-aware framework, TASK_LOST otherwise.</summary>
    private TaskState UnknownTaskState(FrameworkId framework) =>
        frameworks.TryGetValue(framework.Value, out var f) && f.PartitionAware ? TaskState.Unknown : TaskState.Lost;

    /// <summary>How a task on an unreachable agent is answered: TASK_UNREACHABLE to a partition-aware framework, TASK_LOST otherwise.</summary>
    private TaskState UnreachableTaskState(FrameworkId framework) =>
        frameworks.TryGetValue(framework.Value, out var f) && f.PartitionAware ? TaskState.Unreachable : TaskState.Lost;

    /// <summary>
    /// RECONCILE: with no task ids, the latest state of every non-terminal task of the framework
    /// (implicit); otherwise of each named task, unknown ones as TASK_UNKNOWN (partition-aware
    /// frameworks) or TASK_LOST. Every answer carries REASON_RECONCILIATION.
    /// </summary>
    public IReadOnlyList<Effect> Reconcile(FrameworkId framework, IReadOnlyList<TaskId> taskIds) =>
        Reconcile(framework, [.. taskIds.Select(t => (t, (AgentId?)null))]);

    /// <summary>
    /// RECONCILE with the agents the framework believes its tasks are on. A task this master does
    /// not know is not answered while its agent (or, when no agent is named, any agent) may still
    /// re-register after a failover or is being readmitted: it may well be running there (Mesos does
    /// the same). On an agent the registry holds as unreachable it is TASK_UNREACHABLE (or TASK_LOST).
    /// With <paramref name="hold"/>, a query left unanswered is asked again as soon as that agent settles
    /// (Mesos leaves it to the framework's retry).
    /// </summary>
    public IReadOnlyList<Effect> Reconcile(FrameworkId framework, IReadOnlyList<(TaskId Task, AgentId? Agent)> queries, bool hold = false)
    {
        if (queries.Count == 0)
            return [.. tasks.Values.Where(t => t.Framework == framework && IsLive(t.State))
                .OrderBy(t => t.Id.Value, StringComparer.Ordinal)
                .Select(t => new SendUpdate(framework, t.Id, HeardNext(t), "REASON_RECONCILIATION", "implicit reconciliation"))];
        var effects = new List<Effect>();
        foreach (var (id, agent) in queries.DistinctBy(q => q.Task))
        {
            if (tasks.TryGetValue((framework, id), out var t) || completed.TryGetValue((framework, id), out t))
            {
                // Its agent's readmission is being written: the commit decides the task's state (back, or dropped),
                // and an answer from before it would reach the framework after that newer state (seed 112924).
                if (pendingAgents.ContainsKey(t.Agent))
                {
                    if (hold) Hold(framework, id, agent, t.Agent);
                    continue;
                }
                effects.Add(new SendUpdate(framework, id, HeardNext(t), "REASON_RECONCILIATION", "explicit reconciliation"));
            }
            else if (agent is { } a && unreachableAgents.Contains(a))
                effects.Add(new SendUpdate(framework, id, UnreachableTaskState(framework), "REASON_RECONCILIATION", $"agent {a} is unreachable"));
            else if (agent is { } b ? MayHoldUnknownTasks(b) : AnyAgentMayHoldUnknownTasks)
            {
                if (hold) Hold(framework, id, agent, agent); // its agent may yet come back with it
            }
            else
                effects.Add(new SendUpdate(framework, id, UnknownTaskState(framework), "REASON_RECONCILIATION", "unknown task"));
        }
        return effects;
    }

    /// <summary>MESSAGE: a framework's message for one of its executors on an agent this master knows.</summary>
    public IReadOnlyList<Effect> Message(FrameworkId framework, AgentId agent, string executor, byte[] data) =>
        !frameworks.ContainsKey(framework.Value) ? [new CallRejected(framework, $"framework {framework} is not subscribed")]
        : !agents.ContainsKey(agent.Value) ? [new CallRejected(framework, $"agent {agent} is not registered")]
        : [new SendExecutorMessage(agent, framework, executor, data)];
}
