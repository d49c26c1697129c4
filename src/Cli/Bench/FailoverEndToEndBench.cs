using System.Diagnostics;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench failover-e2e --masters 3 --rounds N</c>: a framework (the C# driver) and an
/// agent are connected; each round kills the leader with SIGKILL and measures until the driver
/// receives its first offer from the new leader — election, agent re-registration, framework
/// re-subscription and allocation together. The killed master is restarted and the group left to
/// converge before the next round. Prints <c>RESULT failover-e2e rounds=N min_ms=A median_ms=B max_ms=C</c>.
/// </summary>
internal static class FailoverEndToEndBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var masters = args.Int("masters", 3, 3, 7);
        var rounds = args.Int("rounds", 10, 1, 1000);
        var keep = args.Flag("keep");
        var logLevel = args.Optional("log-level") ?? "Warning";
        args.EnsureAllUsed();

        var root = BenchRoot.Create("failover-e2e");
        using var group = new MasterGroup(masters, root, ["--log-level", logLevel]);
        using var agent = new AgentProcess("agent", EndPoints.FreePort(), Path.Combine(root, "agent"), Path.Combine(root, "agent.log"),
            group.Masters.Select(m => m.HttpAddress), ["--resources", "cpus:4;mem:4096;disk:1024;ports:[31000-31010]", "--log-level", logLevel, "--no-cgroups"]);
        var samples = new List<double>();
        try
        {
            group.StartAll();
            var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            agent.Start();
            var scheduler = new OfferWatcher();
            await using var driver = new MesosSchedulerDriver(scheduler,
                new FrameworkInfo { Name = "failover-e2e", FailoverTimeout = TimeSpan.FromMinutes(5) }, [.. group.Masters.Select(m => m.HttpAddress)]);
            driver.Start();
            for (var round = 1; round <= rounds; round++)
            {
                // Before the kill: the framework holds an offer of the current leader's term.
                leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token);
                var term = (await leader.TryStatusAsync(token))?.Term ?? throw new InvalidOperationException($"round {round}: the leader does not answer");
                var oldPrefix = scheduler.Latest is { } held && Prefix(held).StartsWith($"t{term}-", StringComparison.Ordinal) ? Prefix(held)
                    : Prefix(await scheduler.NextOfferAsync(o => Prefix(o).StartsWith($"t{term}-", StringComparison.Ordinal), TimeSpan.FromSeconds(60), token)
                        ?? throw new TimeoutException($"round {round}: no offer from the leader m{leader.Id} (term {term}) before the kill"));
                var clock = Stopwatch.StartNew();
                leader.Kill();
                var after = await scheduler.NextOfferAsync(o => Prefix(o) != oldPrefix, TimeSpan.FromSeconds(30), token)
                    ?? throw new TimeoutException($"round {round}: no offer from a new leader within 30 s of the kill");
                var elapsed = clock.Elapsed.TotalMilliseconds;
                samples.Add(elapsed);
                Console.WriteLine(FormattableString.Invariant($"round {round}: killed m{leader.Id}; first offer from the new leader ({Prefix(after)}) after {elapsed:F0} ms"));
                group.Start(leader);
                var next = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token);
                var status = await next.TryStatusAsync(token);
                await group.WaitForConvergenceAsync(status?.CommitIndex ?? 0, TimeSpan.FromSeconds(60), token);
            }
            var stats = Samples.Of(samples);
            Console.WriteLine(FormattableString.Invariant(
                $"RESULT failover-e2e rounds={rounds} min_ms={stats.Min:F0} median_ms={stats.Median:F0} max_ms={stats.Max:F0}"));
            return 0;
        }
        finally
        {
            agent.Dispose();
            group.Dispose();
            BenchRoot.Cleanup(root, keep);
        }
    }

    /// <summary>The leadership an offer comes from: its id up to the counter (<c>t3-1a2b3c4d</c>).</summary>
    private static string Prefix(Offer offer) => offer.Id[..offer.Id.LastIndexOf("-O", StringComparison.Ordinal)];

    /// <summary>Keeps every offer (never answers: an offer held is not re-offered) and lets the bench wait for the next one.</summary>
    private sealed class OfferWatcher : IScheduler
    {
        private readonly System.Threading.Channels.Channel<Offer> offers = System.Threading.Channels.Channel.CreateUnbounded<Offer>();
        private Offer? latest;

        /// <summary>The last offer handed out by <see cref="NextOfferAsync"/>.</summary>
        public Offer? Latest => Volatile.Read(ref latest);

        public async Task<Offer?> NextOfferAsync(Func<Offer, bool> wanted, TimeSpan timeout, CancellationToken token)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
            limit.CancelAfter(timeout);
            try
            {
                while (true)
                {
                    var offer = await offers.Reader.ReadAsync(limit.Token);
                    Volatile.Write(ref latest, offer);
                    if (wanted(offer)) return offer;
                }
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                return null;
            }
        }

        public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers)
        {
            foreach (var offer in offers) this.offers.Writer.TryWrite(offer);
        }

        public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master) { }
        public void Reregistered(ISchedulerDriver driver, MasterInfo master) { }
        public void Disconnected(ISchedulerDriver driver) { }
        public void OfferRescinded(ISchedulerDriver driver, string offerId) { }
        public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status) { }
        public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data) { }
        public void AgentLost(ISchedulerDriver driver, string agentId) { }
        public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status) { }
        public void Error(ISchedulerDriver driver, string message) => Console.Error.WriteLine($"framework error: {message}");
    }
}
