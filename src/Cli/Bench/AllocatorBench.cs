using System.Diagnostics;
using System.Globalization;
using Mesos.HA.Master.Allocation;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench allocator</c>: builds a cluster view of A agents of mixed sizes (some with
/// reservations) and F frameworks spread over roles (with existing allocations, a few suppressed
/// roles, offer filters, weights and three roles with quota), times full allocation cycles over every agent, and prints
/// <c>RESULT allocator agents=.. frameworks=.. cycle_ms_median=.. cycle_ms_max=..</c>.
/// The view is generated from a seed, printed, so a run can be repeated.
/// </summary>
internal static class AllocatorBench
{
    public static Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var agentCount = args.Int("agents", 10_000, 1, 1_000_000);
        var frameworkCount = args.Int("frameworks", 1_000, 1, 100_000);
        var cycles = args.Int("cycles", 10, 1, 1000);
        var seed = args.Int("seed", 42);
        args.EnsureAllUsed();

        var input = BuildView(agentCount, frameworkCount, new Random(seed));
        var allocator = new DrfAllocator();
        Console.WriteLine($"seed={seed} agents={agentCount} frameworks={frameworkCount} roles={input.Frameworks.SelectMany(f => f.Roles).Distinct().Count()}");
        allocator.Allocate(input); // warm-up: JIT and first-touch allocations are not part of a cycle
        var samples = new List<double>();
        var offers = 0;
        for (var i = 0; i < cycles && !token.IsCancellationRequested; i++)
        {
            var clock = Stopwatch.StartNew();
            offers = allocator.Allocate(input).Count;
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }
        var stats = Samples.Of(samples);
        Console.WriteLine($"offers per cycle={offers} cycles={stats.Count}");
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT allocator agents={agentCount} frameworks={frameworkCount} cycle_ms_median={stats.Median:F1} cycle_ms_max={stats.Max:F1}"));
        return Task.FromResult(0);
    }

    private static AllocationInput BuildView(int agentCount, int frameworkCount, Random random)
    {
        string[] roles = [.. Enumerable.Range(0, Math.Max(1, Math.Min(50, frameworkCount / 20))).Select(i => $"role{i:D2}")];
        var agents = new List<AllocatorAgent>(agentCount);
        var total = Resources.Empty;
        for (var i = 0; i < agentCount; i++)
        {
            var cpus = 4 << random.Next(0, 5);          // 4 .. 64
            var mem = cpus * 4096 * (1 + random.Next(2));
            var text = string.Create(CultureInfo.InvariantCulture,
                $"cpus:{cpus};mem:{mem};disk:{100_000 + random.Next(900_000)};ports:[31000-32000]");
            if (random.Next(10) == 0) text += $";cpus({roles[random.Next(roles.Length)]}):2";
            var available = ResourceText.Parse(text);
            agents.Add(new AllocatorAgent(new AgentId($"agent-{i:D6}"), available));
            total = total.Add(Resources.Scalar("cpus", available.Total("cpus"))).Add(Resources.Scalar("mem", available.Total("mem")));
        }
        var frameworks = new List<AllocatorFramework>(frameworkCount);
        var filters = new List<OfferFilter>();
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < frameworkCount; i++)
        {
            var role = roles[random.Next(roles.Length)];
            var allocated = new Dictionary<string, Resources>
            {
                [role] = ResourceText.Parse(string.Create(CultureInfo.InvariantCulture, $"cpus:{random.Next(0, 200)};mem:{random.Next(0, 800_000)}")),
            };
            var suppressed = random.Next(20) == 0 ? new HashSet<string> { role } : new HashSet<string>();
            var id = new FrameworkId($"framework-{i:D5}");
            frameworks.Add(new AllocatorFramework(id, [role], suppressed, allocated));
            for (var f = 0; f < 5; f++)
                filters.Add(new OfferFilter(id, agents[random.Next(agents.Count)].Id, now.AddSeconds(5)));
        }
        var weights = roles.Take(5).ToDictionary(r => r, _ => 1.0 + random.Next(1, 4));
        // A few roles with guarantees and limits, so the quota stage and headroom checks are part of the cycle.
        var quotas = roles.Skip(5).Take(3).ToDictionary(r => r, _ => new RoleQuota(
            ResourceText.Parse(string.Create(CultureInfo.InvariantCulture, $"cpus:{agentCount / 10};mem:{agentCount * 100}")),
            ResourceText.Parse(string.Create(CultureInfo.InvariantCulture, $"cpus:{agentCount}"))));
        return new AllocationInput(agents, frameworks, total, weights, filters, now) { Quotas = quotas };
    }
}
