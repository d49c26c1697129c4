using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver.Core;
using Xunit;

namespace Mesos.HA.SchedulerDriver.Tests;

/// <summary>Maintenance through the driver's shell over a fake transport: inverse offers reach the scheduler's callbacks, and its answers the stream.</summary>
public sealed class DriverShellMaintenanceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly Unavailability Window = new(new DateTimeOffset(2026, 6, 1, 2, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(2));

    [Fact]
    public async Task InverseOffers_ReachTheScheduler_WhoseAnswersGoOutOnTheStream_AndRescindsFollowInOrder()
    {
        var transport = new FakeSchedulerTransport();
        var stream = new FakeSchedulerTransport.Stream("m1", "fw-1");
        transport.Answer("m1", _ => new SubscribeOutcome.Subscribed(stream));
        var scheduler = new RecordingScheduler { AcceptsInverseOffers = true, InverseOfferFilters = new Filters(TimeSpan.FromMinutes(5)) };
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "fake" }, ["m1"], transport);
        driver.Start();
        await scheduler.WaitAsync("registered", () => scheduler.Registrations == 1, Wait);

        InverseOffer[] sent =
        [
            new("i1", "fw-1", "a1", Window) { Resources = ResourceText.Parse("cpus:1;mem:64") },
            new("i2", "fw-1", "a2", Window with { Duration = null }),
        ];
        stream.Send(new InverseOffersEvent(sent));
        await Poll.UntilAsync("the inverse offers accepted", () => stream.Calls.Contains("ACCEPT_INVERSE_OFFERS i1,i2 refuse 300 s"), Wait,
            () => string.Join("; ", stream.Calls));
        Assert.Equal(sent, scheduler.InverseOffersSeen);

        scheduler.AcceptsInverseOffers = false;
        stream.Send(new RescindInverseOfferEvent("i1"));
        stream.Send(new InverseOffersEvent([new InverseOffer("i3", "fw-1", "a1", Window)]));
        await Poll.UntilAsync("the next inverse offer declined", () => stream.Calls.Contains("DECLINE_INVERSE_OFFERS i3 refuse 300 s"), Wait,
            () => string.Join("; ", stream.Calls));
        Assert.Equal(["inverse offers i1,i2", "inverse offer rescinded i1", "inverse offers i3"], scheduler.Events.Skip(1));

        Assert.Equal(DriverStatus.Running, driver.DeclineInverseOffers(["i2"]));
        await Poll.UntilAsync("a decline made outside a callback", () => stream.Calls.Contains("DECLINE_INVERSE_OFFERS i2"), Wait,
            () => string.Join("; ", stream.Calls));
    }

    [Fact]
    public async Task SchedulerWithoutMaintenanceCallbacks_IgnoresInverseOffers_AndKeepsGettingEvents()
    {
        var transport = new FakeSchedulerTransport();
        var stream = new FakeSchedulerTransport.Stream("m1", "fw-1");
        transport.Answer("m1", _ => new SubscribeOutcome.Subscribed(stream));
        var scheduler = new OffersOnlyScheduler();
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "fake" }, ["m1"], transport);
        driver.Start();

        stream.Send(new InverseOffersEvent([new InverseOffer("i1", "fw-1", "a1", Window)]));
        stream.Send(new RescindInverseOfferEvent("i1"));
        stream.Send(new RescindEvent("o1"));
        await Poll.UntilAsync("the rescind after the inverse offers", () => scheduler.Rescinded.Contains("o1"), Wait);
        Assert.Equal(DriverStatus.Running, driver.Status);
        Assert.DoesNotContain(stream.Calls, c => c.Contains("INVERSE", StringComparison.Ordinal)); // left outstanding
    }

    /// <summary>A scheduler written before maintenance: it implements none of the inverse offer callbacks.</summary>
    private sealed class OffersOnlyScheduler : IScheduler
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> rescinded = new();

        public IReadOnlyList<string> Rescinded => [.. rescinded];

        public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master) { }
        public void Reregistered(ISchedulerDriver driver, MasterInfo master) { }
        public void Disconnected(ISchedulerDriver driver) { }
        public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers) { }
        public void OfferRescinded(ISchedulerDriver driver, string offerId) => rescinded.Enqueue(offerId);
        public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status) { }
        public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data) { }
        public void AgentLost(ISchedulerDriver driver, string agentId) { }
        public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status) { }
        public void Error(ISchedulerDriver driver, string message) { }
    }
}
