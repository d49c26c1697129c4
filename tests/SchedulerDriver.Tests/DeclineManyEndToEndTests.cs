using Mesos.HA.Protocol;
using System.Collections.Concurrent;
using System.Text.Json;
using Mesos.HA.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>DECLINE of many offers in one call, through the driver, against a real master and real agents.</summary>
public sealed class DeclineManyEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = ClusterHarness.Deadline;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Holds every offer it gets, answering none.</summary>
    private sealed class Holder : IScheduler
    {
        public readonly ConcurrentQueue<Offer> Offers = new();

        public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers)
        {
            foreach (var offer in offers) Offers.Enqueue(offer);
        }

        public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master) { }
        public void Reregistered(ISchedulerDriver driver, MasterInfo master) { }
        public void Disconnected(ISchedulerDriver driver) { }
        public void OfferRescinded(ISchedulerDriver driver, string offerId) { }
        public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status) { }
        public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data) { }
        public void AgentLost(ISchedulerDriver driver, string agentId) { }
        public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status) { }
        public void Error(ISchedulerDriver driver, string message) { }
    }

    private static async Task<IReadOnlyDictionary<string, double>> SnapshotAsync(string master) =>
        JsonSerializer.Deserialize<Dictionary<string, double>>(await Http.GetStringAsync($"http://{master}/metrics/snapshot"))!;

    [Fact]
    public async Task OneDeclineOfManyOffers_ReturnsThemAll_AndItsFilterKeepsThemAway_UntilARevive()
    {
        await using var cluster = new ClusterHarness(1, output);
        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 3; i++) await cluster.StartAgentAsync();
        var holder = new Holder();
        await using var driver = new MesosSchedulerDriver(holder, new FrameworkInfo { Name = "decline-many" }, cluster.MasterAddresses);
        driver.Start();
        await Poll.UntilAsync("an offer for each of the three agents", () => holder.Offers.Select(o => o.AgentId).Distinct().Count() == 3, Wait,
            () => $"offers: {string.Join(", ", holder.Offers.Select(o => $"{o.Id}@{o.AgentId}"))}");
        var held = holder.Offers.ToArray();

        Assert.Equal(DriverStatus.Running, driver.DeclineOffers([.. held.Select(o => o.Id)], new Filters(TimeSpan.FromMinutes(10))));

        IReadOnlyDictionary<string, double> seen = new Dictionary<string, double>();
        await Poll.UntilAsync("the master holds none of the declined offers", async () =>
            (seen = await SnapshotAsync(leader.HttpAddress))["master/outstanding_offers"] == 0, Wait,
            () => $"outstanding offers {seen.GetValueOrDefault("master/outstanding_offers")}");
        // Three more allocation passes (one a second, at least) offer nothing: each declined agent is filtered.
        var runs = seen["allocator/allocation_run_ms/count"];
        await Poll.UntilAsync("three more allocation passes", async () =>
            (seen = await SnapshotAsync(leader.HttpAddress))["allocator/allocation_run_ms/count"] >= runs + 3, Wait,
            () => $"allocation passes {seen.GetValueOrDefault("allocator/allocation_run_ms/count")} (from {runs})");
        Assert.Equal(held.Length, holder.Offers.Count);

        // A revive clears the filters: the three agents are offered again.
        var before = holder.Offers.Count;
        driver.ReviveOffers();
        await Poll.UntilAsync("the three agents offered again after the revive",
            () => holder.Offers.Skip(before).Select(o => o.AgentId).Distinct().Count() == 3, Wait,
            () => $"offers since the revive: {string.Join(", ", holder.Offers.Skip(before).Select(o => $"{o.Id}@{o.AgentId}"))}");
    }
}
