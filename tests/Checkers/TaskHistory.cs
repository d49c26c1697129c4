namespace Mesos.HA.Checkers;

/// <summary>
/// What the framework launched and the updates it received, and what agents actually ran. Safe to
/// record from many threads (the chaos suite's framework and agents); one lock, held briefly: the
/// simulator records from one thread and a concurrent collection's locking cost it a tenth of its time.
/// </summary>
public sealed class TaskHistory
{
    private readonly object gate = new();
    private readonly Dictionary<string, int> launches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> updates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> runsOnAgents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> terminalOnAgents = new(StringComparer.Ordinal);
    private readonly HashSet<string> removedWithTheirAgents = new(StringComparer.Ordinal);

    public void Launched(string task)
    {
        lock (gate) launches[task] = launches.GetValueOrDefault(task) + 1;
    }

    public void Update(string task, string state)
    {
        lock (gate)
        {
            if (!updates.TryGetValue(task, out var heard)) updates[task] = heard = [];
            heard.Add(state);
        }
    }

    /// <summary>
    /// The task's agent was removed (its machine went DOWN for maintenance): the master's TASK_GONE, or
    /// from a master that no longer knows the agent TASK_UNKNOWN, is the framework's final word,
    /// whatever the agent recorded after it was cut off.
    /// </summary>
    public void RemovedWithItsAgent(string task)
    {
        lock (gate) removedWithTheirAgents.Add(task);
    }

    /// <summary>An agent ran the task once more (one run directory).</summary>
    public void RanOnAgent(string task)
    {
        lock (gate) runsOnAgents[task] = runsOnAgents.GetValueOrDefault(task) + 1;
    }

    /// <summary>The terminal state an agent recorded for the task in its own update log.</summary>
    public void EndedOnAgent(string task, string state)
    {
        lock (gate) terminalOnAgents[task] = state;
    }

    public int LaunchCount
    {
        get { lock (gate) return launches.Count; }
    }

    /// <summary>
    /// A copy frozen now: the task checkers judge one moment together (the framework may still be
    /// receiving updates while they run, and two checkers reading at two moments can disagree).
    /// </summary>
    public TaskHistory Snapshot()
    {
        var copy = new TaskHistory();
        lock (gate)
        {
            foreach (var (task, n) in launches) copy.launches[task] = n;
            foreach (var (task, heard) in updates) copy.updates[task] = [.. heard];
            foreach (var (task, n) in runsOnAgents) copy.runsOnAgents[task] = n;
            foreach (var (task, state) in terminalOnAgents) copy.terminalOnAgents[task] = state;
            copy.removedWithTheirAgents.UnionWith(removedWithTheirAgents);
        }
        return copy;
    }

    /// <summary>The updates the framework received for a task, in order, as "A>B>C" (for reports).</summary>
    public string UpdatesOf(string task)
    {
        lock (gate) return Heard(updates.GetValueOrDefault(task));
    }

    /// <summary>Updates heard, in order, repeats folded ("TASK_UNKNOWN x12").</summary>
    private static string Heard(IEnumerable<string>? heard)
    {
        var parts = new List<string>();
        foreach (var run in (heard ?? []).Aggregate(new List<(string State, int Count)>(), (runs, state) =>
        {
            if (runs.Count > 0 && runs[^1].State == state) runs[^1] = (state, runs[^1].Count + 1);
            else runs.Add((state, 1));
            return runs;
        }))
            parts.Add(run.Count == 1 ? run.State : $"{run.State} x{run.Count}");
        return string.Join(">", parts);
    }

    public static bool IsTerminal(string state) =>
        state is "TASK_FINISHED" or "TASK_FAILED" or "TASK_KILLED" or "TASK_ERROR" or "TASK_LOST" or "TASK_DROPPED" or "TASK_GONE";

    /// <summary>No task id was launched twice, by the framework or on the agents.</summary>
    public CheckResult NoTaskLaunchedTwice()
    {
        lock (gate)
        {
            var twice = launches.Where(l => l.Value > 1).Select(l => $"{l.Key} launched {l.Value}x")
                .Concat(runsOnAgents.Where(r => r.Value > 1).Select(r => $"{r.Key} ran {r.Value}x on agents")).ToArray();
            return twice.Length == 0
                ? CheckResult.Pass("no task launched twice", $"{launches.Count} launched, {runsOnAgents.Count} ran")
                : CheckResult.Fail("no task launched twice", string.Join(", ", twice.Take(20)));
        }
    }

    /// <summary>
    /// Every task the framework launched reached it in a terminal state — or, for a task that never ran
    /// on any agent (its launch was lost with a call, a leader or an agent), a last word of TASK_UNKNOWN
    /// (no master knows it) or TASK_UNREACHABLE (it was placed on an agent that never came back: one
    /// admitted while its process died before hearing so, which restarts under a new id, as Mesos' does),
    /// or TASK_UNKNOWN for a task whose agent was removed with its machine (<see cref="RemovedWithItsAgent"/>).
    /// </summary>
    public CheckResult EveryFinalStateReachedTheFramework()
    {
        lock (gate)
        {
            var missing = launches.Keys.Where(t => !FinalStateHeard(t)).Order(StringComparer.Ordinal).ToArray();
            return missing.Length == 0
                ? CheckResult.Pass("every launched task's final state reached its framework", $"{launches.Count} tasks")
                : CheckResult.Fail("every launched task's final state reached its framework",
                    $"{missing.Length} without one: {string.Join(", ", missing.Take(20).Select(t => $"{t} [{UpdatesOf(t)}]"))}");
        }
    }

    /// <summary>Whether <see cref="EveryFinalStateReachedTheFramework"/> holds, without its report (the simulator asks every half second while healing).</summary>
    public bool EveryFinalStateHeard()
    {
        lock (gate)
        {
            foreach (var task in launches.Keys)
                if (!FinalStateHeard(task)) return false;
            return true;
        }
    }

    private bool FinalStateHeard(string task) =>
        updates.TryGetValue(task, out var q)
        && (q.Any(IsTerminal) || (!runsOnAgents.ContainsKey(task) && q.LastOrDefault() is "TASK_UNKNOWN" or "TASK_UNREACHABLE")
            || (removedWithTheirAgents.Contains(task) && q.LastOrDefault() is "TASK_UNKNOWN"));

    /// <summary>
    /// A task's end is final: once the framework heard it FINISHED, FAILED, KILLED, ERROR, DROPPED or
    /// GONE, it hears no other state for it (the same one again is a retransmission). TASK_LOST is left
    /// out: a framework that is not partition-aware hears it for an unreachable agent's tasks.
    /// </summary>
    public CheckResult NoStateAfterAFinalOne()
    {
        lock (gate)
        {
            const string invariant = "no task state after a final one";
            var broken = updates.Where(u => launches.ContainsKey(u.Key)).Select(u => (Task: u.Key, Heard: u.Value.ToArray()))
                .Where(u => u.Heard.SkipWhile(s => !IsFinal(s)) is var after && after.Any() && after.Any(s => s != after.First()))
                .OrderBy(u => u.Task, StringComparer.Ordinal).Select(u => $"{u.Task} [{UpdatesOf(u.Task)}]").ToArray();
            return broken.Length == 0
                ? CheckResult.Pass(invariant, $"{updates.Count} tasks")
                : CheckResult.Fail(invariant, $"{broken.Length} tasks: {string.Join(", ", broken.Take(20))}");
        }
    }

    private static bool IsFinal(string state) => state is "TASK_FINISHED" or "TASK_FAILED" or "TASK_KILLED" or "TASK_ERROR" or "TASK_DROPPED" or "TASK_GONE";

    /// <summary>
    /// Where an agent's own update log says how a task ended, the framework heard exactly that (it may
    /// also have heard TASK_LOST or TASK_UNREACHABLE while the agent was away, but not only that) —
    /// unless the master ended the task by removing its agent (<see cref="RemovedWithItsAgent"/>): the
    /// agent, shut out, records its tasks' ends afterwards, and no master forwards them.
    /// </summary>
    public CheckResult FrameworkHeardWhatAgentsRecorded()
    {
        lock (gate)
        {
            var conflicts = terminalOnAgents.Where(t => launches.ContainsKey(t.Key) && !removedWithTheirAgents.Contains(t.Key)
                    && !(updates.TryGetValue(t.Key, out var heard) && heard.Contains(t.Value)))
                .OrderBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => $"{t.Key}: agent {t.Value}, framework [{UpdatesOf(t.Key)}]").ToArray();
            return conflicts.Length == 0
                ? CheckResult.Pass("the framework heard how each task ended on its agent", $"{terminalOnAgents.Count} tasks ended on agents")
                : CheckResult.Fail("the framework heard how each task ended on its agent", $"{conflicts.Length} conflicts: {string.Join(", ", conflicts.Take(20))}");
        }
    }
}
