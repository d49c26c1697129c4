using Mesos.HA.Checkers;
using Xunit;

namespace Mesos.HA.Simulation.Tests;

/// <summary>
/// The maintenance checks can fail: hand-made histories that break each one are reported, with what
/// broke it, and the same histories without the fault pass.
/// </summary>
public class MaintenanceCheckerTests
{
    private const long Start = 1_767_225_600_000_000_000;

    /// <summary>Agent s1 on host a01 (10.0.0.1), s2 on a02 (10.0.0.2); a01 DRAINING from the start, then DOWN.</summary>
    private static (MaintenanceHistory History, long Draining, long Down) History()
    {
        var history = new MaintenanceHistory();
        history.Agent("s1", "a01", "10.0.0.1");
        history.Agent("s2", "a02", "10.0.0.2");
        var up = history.Now();
        history.Committed([new ScheduledMachine("a01", "", Down: false, Start, 3_600_000_000_000)]);
        var draining = history.Now();
        history.Committed([new ScheduledMachine("a01", "", Down: true, Start, 3_600_000_000_000)]);
        var down = history.Now();
        history.Offered(up, "o1", "s1", null, null);
        history.Offered(draining, "o2", "s1", Start, 3_600_000_000_000);
        history.Offered(draining, "o3", "s2", null, null);
        history.InverseOffered(draining, "f1", "s1", Start, 3_600_000_000_000);
        history.Launched(draining, "t1", "s1");
        history.Launched(down, "t2", "s2");
        return (history, draining, down);
    }

    [Fact]
    public void AGoodHistory_Passes()
    {
        var (history, _, _) = History();
        Assert.All(history.Checks(), c => Assert.True(c.Holds, c.ToString()));
    }

    [Fact]
    public void AnOfferFromADownMachine_IsReported()
    {
        var (history, _, down) = History();
        history.Offered(down, "o4", "s1", Start, 3_600_000_000_000);
        var result = history.NoOfferFromADownMachine();
        Assert.False(result.Holds);
        Assert.Contains("o4", result.Details);
    }

    [Fact]
    public void AnOfferWithoutItsMachinesUnavailability_OrWithOneFromAnUpMachine_IsReported()
    {
        var (history, draining, _) = History();
        history.Offered(draining, "o5", "s1", null, null);
        history.Offered(draining, "o6", "s1", Start + 1, 3_600_000_000_000);
        history.Offered(draining, "o7", "s2", Start, null);
        var result = history.OffersCarryTheirMachinesUnavailability();
        Assert.False(result.Holds);
        Assert.Contains("3 offers", result.Details);
        Assert.Contains("o5", result.Details);
        Assert.Contains("o6", result.Details);
        Assert.Contains("o7", result.Details);
    }

    [Fact]
    public void AnInverseOfferAboutAnUpOrDownMachine_IsReported()
    {
        var (history, draining, down) = History();
        history.InverseOffered(draining, "f1", "s2", Start, null);
        history.InverseOffered(down, "f2", "s1", Start, 3_600_000_000_000);
        var result = history.InverseOffersOnlyForDrainingMachines();
        Assert.False(result.Holds);
        Assert.Contains("2 inverse offers", result.Details);
    }

    [Fact]
    public void ALaunchOnADownMachine_IsReported()
    {
        var (history, _, down) = History();
        history.Launched(down, "t3", "s1");
        var result = history.NoLaunchOnADownMachine();
        Assert.False(result.Holds);
        Assert.Contains("t3", result.Details);
    }

    [Fact]
    public void MachinesAreMatchedByHostname_CaseInsensitively_ByIp_OrByBoth()
    {
        var machine = new ScheduledMachine("a01", "10.0.0.1", Down: true, Start, null);
        Assert.True(machine.Holds("A01", "10.0.0.1"));
        Assert.False(machine.Holds("a01", "10.0.0.2"));
        Assert.True(new ScheduledMachine("", "10.0.0.1", true, Start, null).Holds("other", "10.0.0.1"));
        Assert.False(new ScheduledMachine("", "", true, Start, null).Holds("a01", "10.0.0.1"));
        var history = new MaintenanceHistory();
        history.Agent("s1", "A01", "10.0.0.1");
        history.Committed([new ScheduledMachine("", "10.0.0.1", Down: true, Start, null)]);
        history.Offered(history.Now(), "o1", "s1", null, null);
        Assert.False(history.NoOfferFromADownMachine().Holds);
    }

    /// <summary>
    /// A deposed leader cut off from the others cannot know a schedule its successor wrote (simulator seed 1072:
    /// the leader of term 2, partitioned, offered a17 after term 3 scheduled its machine): judged by what it could
    /// know. The successor, and any later leader, is judged by the schedule.
    /// </summary>
    [Fact]
    public void ADecision_IsJudgedByTheSchedulesOfItsTermAndEarlierOnes()
    {
        var history = new MaintenanceHistory();
        history.Agent("s1", "a01", "10.0.0.1");
        history.Committed([new ScheduledMachine("a01", "", Down: true, Start, null)], term: 3);
        var after = history.Now();
        history.Offered(after, "deposed", "s1", null, null, term: 2);
        history.Launched(after, "t-deposed", "s1", term: 2);
        Assert.True(history.NoOfferFromADownMachine().Holds);
        Assert.True(history.NoLaunchOnADownMachine().Holds);
        history.Offered(after, "successor", "s1", null, null, term: 3);
        history.Launched(after, "t-later", "s1", term: 4);
        Assert.Contains("successor", history.NoOfferFromADownMachine().Details);
        Assert.DoesNotContain("deposed", history.NoOfferFromADownMachine().Details);
        Assert.Contains("t-later", history.NoLaunchOnADownMachine().Details);
    }

    /// <summary>A task ended by its agent's removal counts as delivered only by TASK_GONE or TASK_UNKNOWN, never by TASK_UNREACHABLE.</summary>
    [Fact]
    public void ATaskRemovedWithItsAgent_CountsAsDeliveredByGoneOrUnknownOnly()
    {
        var tasks = new TaskHistory();
        foreach (var t in new[] { "gone", "unknown", "unreachable" })
        {
            tasks.Launched(t);
            tasks.RanOnAgent(t);
            tasks.Update(t, "TASK_RUNNING");
            tasks.EndedOnAgent(t, "TASK_KILLED");
            tasks.RemovedWithItsAgent(t);
        }
        tasks.Update("gone", "TASK_GONE");
        tasks.Update("unknown", "TASK_UNKNOWN");
        tasks.Update("unreachable", "TASK_UNREACHABLE");
        var delivered = tasks.EveryFinalStateReachedTheFramework();
        Assert.False(delivered.Holds);
        Assert.Contains("1 without one: unreachable", delivered.Details);
        Assert.True(tasks.FrameworkHeardWhatAgentsRecorded().Holds);
        tasks.Update("gone", "TASK_KILLED");
        Assert.False(tasks.NoStateAfterAFinalOne().Holds);
    }
}
