using Mesos.HA.Checkers;
using Xunit;

namespace Mesos.HA.Chaos.Tests;

/// <summary>The checkers must catch what they are for: fed a broken history, they fail.</summary>
public sealed class CheckerTests
{
    [Fact]
    public void TwoLeadersInOneTerm_AreCaught()
    {
        var history = new LeaderHistory();
        history.Observe(1, "m1");
        history.Observe(2, "m2");
        history.Observe(2, "m2");
        Assert.True(history.AtMostOneLeaderPerTerm().Holds);
        history.Observe(2, "m3");
        var result = history.AtMostOneLeaderPerTerm();
        Assert.False(result.Holds);
        Assert.Contains("term 2: m2, m3", result.Details);
    }

    [Fact]
    public void TwoLeadersInOneTerm_InTheMastersJournals_AreCaught()
    {
        var dir = Directory.CreateTempSubdirectory("journals-");
        try
        {
            File.WriteAllLines(Path.Combine(dir.FullName, "m1"), ["100 1 leader", "900 1 follower", "950 3 leader"]);
            File.WriteAllLines(Path.Combine(dir.FullName, "m2"), ["800 2 leader", "990 2 follower"]);
            var journals = new[] { ("m1", Path.Combine(dir.FullName, "m1")), ("m2", Path.Combine(dir.FullName, "m2")) };
            Assert.True(LeaderHistory.FromJournals(journals).AtMostOneLeaderPerTerm().Holds);

            File.AppendAllLines(Path.Combine(dir.FullName, "m2"), ["1000 3 leader"]); // m2 claims term 3 too
            var result = LeaderHistory.FromJournals(journals).AtMostOneLeaderPerTerm();
            Assert.False(result.Holds);
            Assert.Contains("term 3: m1, m2", result.Details);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void LostWrite_IsCaught_OverwrittenOrUnknownOnesAreNot()
    {
        var history = new RegisterHistory();
        history.Write("a", 1, invoked: 0, completed: 10);
        history.Write("a", 2, invoked: 20, completed: 30);
        history.Write("b", 5, invoked: 0, completed: 10);
        history.Write("b", 6, invoked: 5, completed: null); // unknown outcome, overlapping: may be final
        history.Write("c", 7, invoked: 0, completed: 10);
        Assert.True(history.NoAcknowledgedWriteLost(new Dictionary<string, double> { ["a"] = 2, ["b"] = 6, ["c"] = 7 }).Holds);
        Assert.True(history.NoAcknowledgedWriteLost(new Dictionary<string, double> { ["a"] = 2, ["b"] = 5, ["c"] = 7 }).Holds);
        var lost = history.NoAcknowledgedWriteLost(new Dictionary<string, double> { ["a"] = 1, ["b"] = 5 });
        Assert.False(lost.Holds);
        Assert.Contains("a=2", lost.Details);
        Assert.Contains("c=7", lost.Details);
    }

    [Fact]
    public void StaleRead_IsNotLinearizable_ConcurrentOnesAre()
    {
        var good = new RegisterHistory();
        good.Write("k", 1, 0, 10);
        good.Read("k", 1, 11, 12);
        good.Write("k", 2, 20, 40);
        good.Read("k", 1, 25, 30); // concurrent with the write: may see the old value
        good.Read("k", 2, 35, 45);
        good.Write("k", 3, 50, null); // unknown outcome
        good.Read("k", 2, 60, 61); // it may not have happened...
        Assert.True(good.Linearizable().Holds, good.Linearizable().Details);

        var stale = new RegisterHistory();
        stale.Write("k", 1, 0, 10);
        stale.Write("k", 2, 20, 30);
        stale.Read("k", 1, 40, 50); // after write 2 completed: a stale read
        var result = stale.Linearizable();
        Assert.False(result.Holds);
        Assert.Contains("key k", result.Details);

        var phantom = new RegisterHistory();
        phantom.Read("k", 9, 0, 1); // a value nobody wrote
        Assert.False(phantom.Linearizable().Holds);
    }

    [Fact]
    public void LongConcurrentHistory_OnOneKey_IsCheckedWhole_AndOneStaleReadInItIsCaught()
    {
        // Four clients, 1,500 operations on one key: writes of unique values overlapping each other,
        // reads that see the latest completed write or a concurrent one, some writes of unknown outcome.
        var random = new Random(7);
        var good = new RegisterHistory();
        var stale = new RegisterHistory();
        double? current = null;
        long t = 0;
        var staleInjected = false;
        for (var i = 0; i < 500; i++)
        {
            double value = i + 2;
            // a write overlapping a read that still sees the previous value, then a read of the new one
            good.Write("k", value, t, t + 10);
            good.Read("k", current, t + 1, t + 5);
            if (random.Next(10) == 0) good.Write("k", 100_000 + i, t + 2, completed: null); // unknown, never read: may be left out
            stale.Write("k", value, t, t + 10);
            stale.Read("k", current, t + 1, t + 5);
            current = value;
            good.Read("k", current, t + 11, t + 12);
            // once, well after write i+2 completed, a read that still returns the value before it
            stale.Read("k", !staleInjected && i == 400 ? value - 1 : current, t + 11, t + 12);
            staleInjected |= i == 400;
            t += 20;
        }
        var verdict = good.Linearizable();
        Assert.True(verdict.Holds, verdict.Details);
        Assert.Contains("1 keys", verdict.Details);
        Assert.False(stale.Linearizable().Holds);
    }

    [Fact]
    public void LocalReads_GoingBackOrFromTheFuture_AreCaught_LaggingOnesAreNot()
    {
        var history = new RegisterHistory();
        history.Write("k", 2, 0, 10);
        history.Write("k", 3, 20, 30);
        history.LocalRead("m1/pid1", "k", null, 1, 2);  // not yet applied there: fine
        history.LocalRead("m1/pid1", "k", 2, 40, 41);   // behind the leader (3 is acknowledged): fine, it may lag
        history.LocalRead("m1/pid1", "k", 3, 50, 51);
        history.LocalRead("m1/pid2", "k", 2, 60, 61);   // a restarted process replays its log: judged on its own
        Assert.True(history.LocalReadsMonotonic().Holds, history.LocalReadsMonotonic().Details);

        var back = new RegisterHistory();
        back.Write("k", 2, 0, 10);
        back.Write("k", 3, 20, 30);
        back.LocalRead("m1/pid1", "k", 3, 40, 41);
        back.LocalRead("m1/pid1", "k", 2, 50, 51);      // the same process went back
        Assert.False(back.LocalReadsMonotonic().Holds);

        var future = new RegisterHistory();
        future.LocalRead("m2/pid1", "k", 4, 0, 1);
        future.Write("k", 4, 10, 20);                   // written after the read completed
        Assert.False(future.LocalReadsMonotonic().Holds);
    }

    [Fact]
    public void DuplicateLaunch_AndMissingFinalState_AreCaught()
    {
        var history = new TaskHistory();
        history.Launched("t1");
        history.Launched("t2");
        history.Update("t1", "TASK_RUNNING");
        history.Update("t1", "TASK_FINISHED");
        history.Update("t2", "TASK_RUNNING");
        history.RanOnAgent("t1");
        history.RanOnAgent("t2");
        Assert.True(history.NoTaskLaunchedTwice().Holds);
        var missing = history.EveryFinalStateReachedTheFramework();
        Assert.False(missing.Holds);
        Assert.Contains("t2 [TASK_RUNNING]", missing.Details);

        history.Update("t2", "TASK_FAILED");
        Assert.True(history.EveryFinalStateReachedTheFramework().Holds);
        history.RanOnAgent("t2");
        Assert.False(history.NoTaskLaunchedTwice().Holds);
        history.Launched("t1");
        Assert.Contains("t1 launched 2x", history.NoTaskLaunchedTwice().Details);
    }

    /// <summary>
    /// A custom executor started twice on an agent (the first ended, the next task started it again) is
    /// not a task run twice; a task's second run directory is (CI seed 11131064 counted the executor's).
    /// </summary>
    [Fact]
    public void TaskRuns_AreTheTasksRunDirectories_NotACustomExecutorsRuns()
    {
        var work = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "runs-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var executors = Path.Combine(work, "meta", "agents", "A-S0", "frameworks", "F", "executors");
            void Run(string executor, string run, string file)
            {
                var dir = Path.Combine(executors, executor, "runs", run);
                Directory.CreateDirectory(dir);
                File.WriteAllBytes(Path.Combine(dir, file), [1]);
            }
            Run("chaos-worker-A-S0", "r1", Mesos.HA.Agent.Tasks.RunFiles.ExecutorFile);
            Run("chaos-worker-A-S0", "r2", Mesos.HA.Agent.Tasks.RunFiles.ExecutorFile);
            Run("t1", "r3", Mesos.HA.Agent.Tasks.RunFiles.TaskFile);
            Run("t2", "r4", Mesos.HA.Agent.Tasks.RunFiles.TaskFile);
            var history = new TaskHistory();
            foreach (var (task, _) in ClusterChaosRun.TaskRuns(work)) history.RanOnAgent(task);
            Assert.True(history.NoTaskLaunchedTwice().Holds, history.NoTaskLaunchedTwice().Details);
            Assert.Equal(["t1", "t2"], ClusterChaosRun.TaskRuns(work).Select(r => r.Task).Order(StringComparer.Ordinal));

            Run("t2", "r5", Mesos.HA.Agent.Tasks.RunFiles.TaskFile);
            history = new TaskHistory();
            foreach (var (task, _) in ClusterChaosRun.TaskRuns(work)) history.RanOnAgent(task);
            Assert.Contains("t2 ran 2x on agents", history.NoTaskLaunchedTwice().Details);
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void StateAfterAFinalOne_IsCaught_RepeatsAndLostThenFinishedAreNot()
    {
        var history = new TaskHistory();
        foreach (var t in new[] { "t1", "t2", "t3" }) history.Launched(t);
        foreach (var s in new[] { "TASK_RUNNING", "TASK_FINISHED", "TASK_FINISHED" }) history.Update("t1", s); // a retransmission
        foreach (var s in new[] { "TASK_RUNNING", "TASK_LOST", "TASK_RUNNING", "TASK_FINISHED" }) history.Update("t2", s); // LOST is not final here
        foreach (var s in new[] { "TASK_RUNNING", "TASK_FINISHED", "TASK_RUNNING", "TASK_FINISHED" }) history.Update("t3", s);
        var result = history.NoStateAfterAFinalOne();
        Assert.False(result.Holds);
        Assert.Contains("t3 [TASK_RUNNING>TASK_FINISHED>TASK_RUNNING>TASK_FINISHED]", result.Details);
        Assert.DoesNotContain("t1", result.Details);
        Assert.DoesNotContain("t2", result.Details);
    }

    /// <summary>A task that never ran anywhere may end on TASK_UNKNOWN or TASK_UNREACHABLE; one that ran may not.</summary>
    [Fact]
    public void FinalState_OfATaskThatNeverRan_MayBeUnknownOrUnreachable_OfOneThatRanMayNot()
    {
        var history = new TaskHistory();
        foreach (var t in new[] { "lost-launch", "ghost-agent", "ran" }) history.Launched(t);
        history.Update("lost-launch", "TASK_UNKNOWN");
        history.Update("ghost-agent", "TASK_UNREACHABLE");
        history.Update("ran", "TASK_RUNNING");
        history.Update("ran", "TASK_UNREACHABLE");
        history.RanOnAgent("ran");
        var result = history.EveryFinalStateReachedTheFramework();
        Assert.False(result.Holds);
        Assert.Contains("1 without one: ran", result.Details);
    }

    [Fact]
    public void FrameworkHearingLost_ForATaskThatFinishedOnItsAgent_IsCaught()
    {
        var history = new TaskHistory();
        history.Launched("t1");
        history.Launched("t2");
        history.Update("t1", "TASK_RUNNING");
        history.Update("t1", "TASK_LOST");      // the agent was away...
        history.Update("t1", "TASK_FINISHED");  // ...and its own update arrived after all
        history.Update("t2", "TASK_RUNNING");
        history.Update("t2", "TASK_LOST");
        history.EndedOnAgent("t1", "TASK_FINISHED");
        history.EndedOnAgent("t2", "TASK_FINISHED"); // but the framework only ever heard LOST
        var result = history.FrameworkHeardWhatAgentsRecorded();
        Assert.False(result.Holds);
        Assert.Contains("t2: agent TASK_FINISHED", result.Details);
        Assert.DoesNotContain("t1", result.Details);
    }

    [Fact]
    public void OfferFromADeposedLeader_IsCaught_OnesInFlightWhenItLostAreNot()
    {
        const long second = 1_000_000;
        JournalLine[] journals =
        [
            new("m1", 10 * second, 1, Leader: true),
            new("m1", 20 * second, 1, Leader: false), // m1 stepped down at 20 s...
            new("m2", 21 * second, 2, Leader: true),  // ...and m2 led term 2 from 21 s
        ];
        var good = new OfferHistory();
        good.Received("t1-abcd1234-O1", 15 * second);
        good.Received("t1-abcd1234-O2", 20 * second + second / 2); // made before m1 stepped down, still on its way
        good.Received("t2-0123abcd-O1", 40 * second);               // term 2's leader still leads
        var verdict = good.NoOfferFromADeposedLeader(journals);
        Assert.True(verdict.Holds, verdict.Details);

        var deposed = new OfferHistory();
        deposed.Received("t1-abcd1234-O7", 23 * second);            // m1 kept offering after it stepped down
        var result = deposed.NoOfferFromADeposedLeader(journals);
        Assert.False(result.Holds);
        Assert.Contains("t1-abcd1234-O7 of term 1 received 3000 ms after", result.Details);

        // A leader killed without a journal line is deposed when a newer term's leader appears.
        var killed = new OfferHistory();
        killed.Received("t1-abcd1234-O8", 23 * second);
        Assert.False(killed.NoOfferFromADeposedLeader([journals[0], journals[2]]).Holds);

        // Held up by a partition of m1 healed at 22.5 s: it arrives with TCP's retransmission, not a bug.
        var heldUp = new OfferHistory();
        heldUp.PartitionHealed("m1", 22 * second + second / 2);
        heldUp.Received("t1-abcd1234-O3", 24 * second);
        Assert.True(heldUp.NoOfferFromADeposedLeader(journals).Holds);
        heldUp.Received("t1-abcd1234-O9", 30 * second); // long after the heal: still caught
        Assert.False(heldUp.NoOfferFromADeposedLeader(journals).Holds);

        var unknown = new OfferHistory();
        unknown.Received("t9-ffffffff-O1", 15 * second);
        Assert.False(unknown.NoOfferFromADeposedLeader(journals).Holds);
    }
}
