using System.Diagnostics;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Protocol.Security;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// <c>mesos-ha bench tasks --agents A --tasks T</c>: T tasks driven through a master (a real master
/// process) by the C# driver against A simulated agents in this process (the real agent protocol,
/// tasks that finish at once). Every update is acknowledged. Measures from the first launch to the
/// last TASK_FINISHED and prints <c>RESULT tasks agents=A tasks=T tasks_per_sec=X</c>.
/// <c>--secure</c> / <c>--compare-secure</c>: in secure mode (the agents' channels and the driver on TLS,
/// authenticated, the restrictive ACL checked on every launch), or both (<see cref="SecurityModes"/>).
/// </summary>
internal static class TasksBench
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var agentCount = args.Int("agents", 1000, 1, 100_000);
        var tasks = args.Int("tasks", 100_000, 1, 10_000_000);
        var masters = args.Int("masters", 1, 1, 5);
        var slots = args.Int("slots", 100, 1, 100_000);
        var keep = args.Flag("keep");
        var logLevel = args.Optional("log-level") ?? "Warning";
        var modes = SecurityModes.Of(args);
        args.EnsureAllUsed();
        var runs = new Dictionary<bool, List<double>>();
        if (modes.Length > 1)
        {
            // Untimed, a fifth of the tasks in each mode: this process compiles the driver's, the agents' and the TLS paths once, not in the first timed run.
            foreach (var secure in modes.Distinct())
                await MeasureAsync(agentCount, Math.Max(1, tasks / 5), masters, slots, logLevel, secure, keep, token);
        }
        foreach (var secure in modes)
        {
            var rate = await MeasureAsync(agentCount, tasks, masters, slots, logLevel, secure, keep, token);
            Console.WriteLine(FormattableString.Invariant($"{SecurityModes.Name(secure)}: {rate:F0} tasks/s"));
            runs.TryAdd(secure, []);
            runs[secure].Add(rate);
        }
        // Each mode's rate over its runs: all its tasks over all its time.
        var rates = runs.ToDictionary(r => r.Key, r => r.Value.Count / r.Value.Sum(rate => 1 / rate));
        foreach (var (secure, rate) in rates)
        {
            var mode = rates.Count > 1 || secure ? $" mode={SecurityModes.Name(secure)}" : "";
            Console.WriteLine(FormattableString.Invariant($"RESULT tasks agents={agentCount} tasks={tasks}{mode} tasks_per_sec={rate:F0}"));
        }
        if (rates.Count == 2) Console.WriteLine(SecurityModes.Overhead("tasks", rates[false], rates[true], lowerIsBetter: false));
        return 0;
    }

    /// <summary>One run; its tasks per second.</summary>
    private static async Task<double> MeasureAsync(int agentCount, int tasks, int masters, int slots, string logLevel, bool secure, bool keep,
        CancellationToken token)
    {
        var root = BenchRoot.Create($"tasks-{SecurityModes.Name(secure)}");
        using var security = SecurityModes.Create(secure, root);
        using var group = new MasterGroup(masters, root, ["--log-level", logLevel], security);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var agentLoops = new List<Task>();
        try
        {
            group.StartAll();
            var leader = await group.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            using var channels = new HttpMessageInvoker(Https.Handler(security?.Client,
                new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero }));
            var agents = Enumerable.Range(0, agentCount)
                .Select(i => new SimulatedAgent($"sim-{i}", $"cpus:{slots};mem:{slots * 32}")).ToArray();
            foreach (var agent in agents)
                agentLoops.Add(Task.Run(() => agent.RunAsync(channels, leader.HttpAddress, stop.Token, security?.Agent, Https.SchemeOf(security?.Client))));
            await Task.WhenAll(agents.Select(a => a.Registered)).WaitAsync(TimeSpan.FromSeconds(120), token);
            Console.WriteLine($"{agentCount} simulated agents registered");

            var scheduler = new Launcher(tasks);
            await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = "tasks-bench" }, [leader.HttpAddress],
                security?.FrameworkOptions());
            driver.Start();
            await scheduler.Done.WaitAsync(TimeSpan.FromMinutes(30), token);
            var elapsed = scheduler.Elapsed;
            Console.WriteLine(FormattableString.Invariant(
                $"{tasks} tasks finished in {elapsed.TotalSeconds:F2} s on {agentCount} agents; launched by agents: {agents.Sum(a => Interlocked.Read(ref a.Launched))}"));
            driver.Stop();
            return tasks / elapsed.TotalSeconds;
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(agentLoops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            group.Dispose();
            BenchRoot.Cleanup(root, keep);
        }
    }

    /// <summary>Launches on each offer as many one-cpu tasks as it holds until all are launched; counts them finished.</summary>
    private sealed class Launcher(int total) : IScheduler
    {
        private static readonly Resources PerTask = ResourceText.Parse("cpus:1;mem:32");
        private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Stopwatch? clock;
        private int launched;
        private int finished;

        public Task Done => done.Task;
        public TimeSpan Elapsed => clock?.Elapsed ?? TimeSpan.Zero;

        public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers)
        {
            List<string>? unwanted = null;
            foreach (var offer in offers)
            {
                var fit = (int)Math.Min(offer.Resources.Total("cpus").Milli / 1000, offer.Resources.Total("mem").Milli / 32_000);
                var batch = Math.Min(fit, total - launched);
                if (batch <= 0)
                {
                    (unwanted ??= []).Add(offer.Id);
                    continue;
                }
                var infos = new TaskInfo[batch];
                for (var i = 0; i < batch; i++) infos[i] = new TaskInfo($"t{launched + i}", "bench", offer.AgentId, PerTask, "true");
                launched += batch;
                clock ??= Stopwatch.StartNew();
                driver.LaunchTasks([offer.Id], infos, new Filters(TimeSpan.Zero));
            }
            // One DECLINE for all this event's unwanted offers, as a framework holding thousands of them should.
            if (unwanted is not null) driver.DeclineOffers(unwanted, new Filters(TimeSpan.FromSeconds(60)));
        }

        public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status)
        {
            if (status.State != TaskState.Finished) throw new InvalidOperationException($"task {status.TaskId} ended {status.State}: {status.Message}");
            if (++finished == total) { clock?.Stop(); done.TrySetResult(); }
        }

        public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master) { }
        public void Reregistered(ISchedulerDriver driver, MasterInfo master) { }
        public void Disconnected(ISchedulerDriver driver) => done.TrySetException(new InvalidOperationException("the driver lost its subscription"));
        public void OfferRescinded(ISchedulerDriver driver, string offerId) { }
        public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data) { }
        public void AgentLost(ISchedulerDriver driver, string agentId) => done.TrySetException(new InvalidOperationException($"agent {agentId} lost"));
        public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status) { }
        public void Error(ISchedulerDriver driver, string message) => done.TrySetException(new InvalidOperationException(message));
    }
}
