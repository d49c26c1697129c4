using System.Net;
using System.Text;
using System.Text.Json;
using Mesos.HA.Protocol;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>
/// Maintenance end to end: three real masters, real agents, a framework on the driver. The operator
/// schedules a machine: its offers carry the unavailability and the framework is asked, with inverse
/// offers, to give the agent back; its answer is in the registry and survives a leader kill; the machine
/// taken DOWN shuts its agent out (and out again when it restarts) until it is brought back UP.
/// </summary>
public sealed class DriverMaintenanceEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Wait };

    /// <summary>The machine under maintenance: the agent on it advertises this hostname.</summary>
    private const string Machine = "maint-a.test";

    [Fact]
    public async Task ScheduledMachine_SendsInverseOffersToTheDriver_WhoseAnswerOutlivesALeaderKill_AndDownShutsItsAgentOut()
    {
        await using var cluster = new ClusterHarness(3, output);
        await cluster.LeaderAsync();
        var onMachine = await cluster.StartAgentAsync("cpus:2;mem:256", "--hostname", Machine);
        var agentId = (await onMachine.TryHealthAsync())!.Id!;
        var scheduler = new RecordingScheduler { AcceptsInverseOffers = true, InverseOfferFilters = new Filters(TimeSpan.FromSeconds(1)) };
        scheduler.Launch("held", "sleep 600");
        await using var driver = new MesosSchedulerDriver(scheduler,
            new FrameworkInfo { Name = "maintained", FailoverTimeout = TimeSpan.FromMinutes(5) }, cluster.MasterAddresses);
        driver.Start();
        await scheduler.WaitAsync("the task runs on the machine's agent", () => scheduler.StatesOf("held").Contains(TaskState.Running), Wait);
        var frameworkId = scheduler.FrameworkId!;

        // Scheduled: an hour from now, for two hours.
        var start = DateTimeOffset.UtcNow.AddHours(1);
        var startNs = start.ToUnixTimeMilliseconds() * 1_000_000 + 123_456;
        var schedule = """{"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":{"windows":[{"machine_ids":[{"hostname":"""
                       + $"\"{Machine.ToUpperInvariant()}\"" + """}],"unavailability":{"start":{"nanoseconds":""" + startNs
                       + """},"duration":{"nanoseconds":7200000000000}}}]}}}""";
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(await LeaderAsync(cluster), schedule)).Status);

        await scheduler.WaitAsync("an inverse offer for the machine's agent", () => scheduler.InverseOffersSeen.Any(i => i.AgentId == agentId), Wait);
        var inverse = scheduler.InverseOffersSeen.First(i => i.AgentId == agentId);
        Assert.Equal(frameworkId, inverse.FrameworkId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(start.ToUnixTimeMilliseconds()).AddTicks(1_234), inverse.Unavailability.Start);
        Assert.Equal(TimeSpan.FromHours(2), inverse.Unavailability.Duration);
        await scheduler.WaitAsync("an offer of the agent's free resources with the unavailability",
            () => scheduler.Offers.Any(o => o.AgentId == agentId && o.Unavailability is not null), Wait);
        Assert.Equal(inverse.Unavailability, scheduler.Offers.Last(o => o.AgentId == agentId).Unavailability);

        // The driver accepted: the registry holds the answer, under the machine as lower case.
        var accepted = await StatusOfAsync(cluster, "the framework's ACCEPT in the maintenance status", frameworkId, "ACCEPT");
        output.WriteLine("status: " + accepted);

        // A leader kill: the schedule and the answer are the registry's, the new leader asks the framework again.
        var leader = await cluster.LeaderAsync();
        // Offer ids carry their leadership ("t<term>-<unique>-O<n>"): one sent by the old leader just before the kill
        // can reach the driver after it, and counting inverse offers would take it for the new leader's.
        var oldLeaderships = scheduler.InverseOffersSeen.Select(i => LeadershipOf(i.Id)).ToHashSet();
        leader.Kill();
        var next = await cluster.LeaderAsync();
        Assert.NotEqual(leader.HttpAddress, next.HttpAddress);
        var read = await ReadAsync(next.HttpAddress, "GET_MAINTENANCE_SCHEDULE");
        var window = Assert.Single(read.GetProperty("schedule").GetProperty("windows").EnumerateArray());
        Assert.Equal(Machine, Assert.Single(window.GetProperty("machine_ids").EnumerateArray()).GetProperty("hostname").GetString());
        Assert.Equal(startNs, window.GetProperty("unavailability").GetProperty("start").GetProperty("nanoseconds").GetInt64());
        await StatusOfAsync(cluster, "the ACCEPT after the failover", frameworkId, "ACCEPT");
        // The new leader asks only about agents that re-registered with it: it knows the held task from here on.
        await scheduler.WaitAsync("inverse offers from the new leader",
            () => scheduler.InverseOffersSeen.Any(i => i.AgentId == agentId && !oldLeaderships.Contains(LeadershipOf(i.Id))), Wait);

        // DOWN: the agent is told to shut down (its process ends), its task is lost, and the machine is listed down.
        var down = $$$"""{"type":"START_MAINTENANCE","start_maintenance":{"machines":[{"hostname":"{{{Machine}}}"}]}}""";
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(await LeaderAsync(cluster), down)).Status);
        await Poll.UntilAsync("the agent on the DOWN machine shuts down", () => !onMachine.IsRunning, Wait);
        await scheduler.WaitAsync("the task on the DOWN machine is lost", () => scheduler.StatesOf("held").Contains(TaskState.Lost), Wait);
        AssertLostWithItsAgent(scheduler.UpdatesOf("held"));
        Assert.Contains($"agent lost {agentId}", scheduler.Events);
        var status = (await ReadAsync(await LeaderAsync(cluster), "GET_MAINTENANCE_STATUS")).GetProperty("status");
        Assert.Equal(Machine, Assert.Single(status.GetProperty("down_machines").EnumerateArray()).GetProperty("hostname").GetString());
        Assert.Empty(status.GetProperty("draining_machines").EnumerateArray());
        var agents = (await ReadAsync(await LeaderAsync(cluster), "GET_AGENTS")).GetProperty("agents");
        Assert.DoesNotContain(agents.EnumerateArray(), a => a.GetProperty("agent_info").GetProperty("id").GetProperty("value").GetString() == agentId);

        // Restarted while DOWN, it is shut out again (a new registration, from a DOWN machine).
        onMachine.Start();
        await Poll.UntilAsync("the restarted agent is refused and shuts down again", () => !onMachine.IsRunning, Wait);

        // UP: out of the schedule; the agent comes back as a new agent (as Mesos' does) and is offered without unavailability.
        var up = $$$"""{"type":"STOP_MAINTENANCE","stop_maintenance":{"machines":[{"hostname":"{{{Machine}}}"}]}}""";
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(await LeaderAsync(cluster), up)).Status);
        var offersBefore = scheduler.Offers.Count;
        onMachine.Start();
        await cluster.WaitForRegistrationAsync(onMachine, "after STOP_MAINTENANCE");
        var newId = (await onMachine.TryHealthAsync())!.Id!;
        Assert.NotEqual(agentId, newId);
        await scheduler.WaitAsync("an offer from the machine back UP", () => scheduler.Offers.Skip(offersBefore).Any(o => o.AgentId == newId), Wait);
        Assert.Null(scheduler.Offers.Skip(offersBefore).Last(o => o.AgentId == newId).Unavailability);
        AssertLostWithItsAgent(scheduler.UpdatesOf("held")); // nothing of the old agent's task after TASK_LOST but answers to reconciliation
        Assert.Empty((await ReadAsync(await LeaderAsync(cluster), "GET_MAINTENANCE_SCHEDULE")).GetProperty("schedule").GetProperty("windows").EnumerateArray());
        Assert.Null(scheduler.LastError);
    }

    /// <summary>
    /// The task's end, as the master that took its machine DOWN told it: its first terminal update is TASK_LOST
    /// with REASON_AGENT_REMOVED. Any later update can only be an answer to a reconciliation, and says TASK_LOST too:
    /// the driver reconciles its live tasks on re-subscribing to the new leader, and that RECONCILE may reach the
    /// master just after the DOWN (the test acts on the new leader's first inverse offer, which can precede the
    /// driver's RECONCILE). The master answers it from its state then, as Mesos does: TASK_LOST, REASON_RECONCILIATION.
    /// </summary>
    private static void AssertLostWithItsAgent(IReadOnlyList<TaskUpdate> updates)
    {
        var seen = string.Join(" | ", updates.Select(u => $"{u.State} {u.Reason} ({u.Message})"));
        var end = updates.Select((u, i) => (u, i)).First(x => x.u.State.IsTerminal());
        Assert.True(end.u is { State: TaskState.Lost, Reason: "REASON_AGENT_REMOVED" }, $"the task's end: {seen}");
        Assert.True(updates.Skip(end.i + 1).All(u => u is { State: TaskState.Lost, Reason: "REASON_RECONCILIATION" }),
            $"after the task's end only answers to reconciliation, as TASK_LOST: {seen}");
    }

    /// <summary>The leadership an offer id was made in: all of it but the counter ("t2-9def6d40-O7" gives "t2-9def6d40").</summary>
    private static string LeadershipOf(string offerId) => offerId[..offerId.LastIndexOf('-')];

    private static async Task<string> LeaderAsync(ClusterHarness cluster) => (await cluster.LeaderAsync()).HttpAddress;

    /// <summary>Polls GET_MAINTENANCE_STATUS until the machine is draining with the framework's answer.</summary>
    private static async Task<string> StatusOfAsync(ClusterHarness cluster, string phase, string frameworkId, string answer)
    {
        var seen = "";
        await Poll.UntilAsync(phase, async () =>
        {
            try
            {
                var status = (await ReadAsync(await LeaderAsync(cluster), "GET_MAINTENANCE_STATUS")).GetProperty("status");
                seen = status.ToString();
                return status.GetProperty("draining_machines").EnumerateArray().Any(m =>
                    m.GetProperty("id").GetProperty("hostname").GetString() == Machine
                    && m.GetProperty("statuses").EnumerateArray().Any(s =>
                        s.GetProperty("framework_id").GetProperty("value").GetString() == frameworkId && s.GetProperty("status").GetString() == answer));
            }
            catch (Exception e) when (NoAnswer.Is(e))
            {
                return false; // a master going away between finding the leader and asking it
            }
        }, Wait, () => "status: " + seen);
        return seen;
    }

    private static async Task<(HttpStatusCode Status, string Body)> CallAsync(string master, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync($"http://{master}/api/v1", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> ReadAsync(string master, string type)
    {
        var (status, body) = await CallAsync(master, $$"""{"type":"{{type}}"}""");
        Assert.True(status == HttpStatusCode.OK, $"{type}: {(int)status} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty(type.ToLowerInvariant()).Clone();
    }
}
