using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using Mesos.HA.Cli.Local;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Cli;

/// <summary>
/// <c>mesos-ha demo</c>: a local cluster (3 masters, 2 agents), a framework on the C# driver running
/// a few dozen short tasks, and the leader master killed with SIGKILL halfway through. Prints a
/// timeline and a summary; exits 0 when every task finished.
/// </summary>
internal static class DemoCommand
{
    public static Command Verb(CancellationToken token) => Declare.Verb("demo",
        "A local cluster, a framework running 40 tasks, the leader killed halfway; a timeline and a summary.",
        [
            Declare.Value("tasks", "n", "tasks to run (default 40)"),
            Declare.Value("masters", "n", "masters to start: 3, 5 or 7 (default 3)"),
            Declare.Flag("secure", "the whole cluster with TLS (its own authority), credentials for every realm and a restrictive ACL; the framework authenticates"),
            Declare.Keep(),
        ],
        (_, args) => RunAsync(args, token));

    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var tasks = args.Int("tasks", 40, 2, 10_000);
        var masters = args.Int("masters", 3, 3, 7);
        var keep = args.Flag("keep");
        var secure = args.Flag("secure");
        args.EnsureAllUsed();
        if (masters % 2 == 0) throw new UsageException("--masters must be odd (3, 5 or 7)");

        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-demo", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        var timeline = new Timeline();
        using var security = secure ? LocalSecurity.Create(root, DateTimeOffset.UtcNow) : null;
        using var cluster = new LocalCluster(masters, 2, root, "Warning", "cpus:4;mem:2048;disk:1024;ports:[31000-31099]", security: security);
        try
        {
            timeline.Say($"starting {masters} masters and 2 agents on 127.0.0.1 (data and logs in {root})");
            if (security is not null)
                timeline.Say($"secure: TLS from the cluster's own authority, every realm authenticated, a restrictive ACL (material in {security.Directory})");
            cluster.Start();
            var leader = await cluster.Masters.WaitForLeaderAsync(TimeSpan.FromSeconds(60), token);
            var term = (await leader.TryStatusAsync(token))?.Term;
            timeline.Say($"master {leader.Id} elected leader (term {term}) at {leader.Url("")}");
            await cluster.WaitForAgentsAsync(TimeSpan.FromSeconds(60), token);
            timeline.Say("both agents registered with the leader");

            var scheduler = new DemoScheduler(tasks, timeline);
            await using var driver = new MesosSchedulerDriver(scheduler,
                new FrameworkInfo { Name = "demo", FailoverTimeout = TimeSpan.FromMinutes(5) }, cluster.MasterAddresses,
                security?.FrameworkOptions());
            driver.Start();

            await scheduler.HalfDone.WaitAsync(TimeSpan.FromSeconds(60), token);
            var killed = await cluster.Masters.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token);
            timeline.Say($"*** killing the leader, master {killed.Id}, with SIGKILL ({scheduler.Finished}/{tasks} tasks finished) ***");
            var clock = Stopwatch.StartNew();
            scheduler.KilledAt(clock);
            killed.Kill();
            var next = await cluster.Masters.WaitForLeaderAsync(TimeSpan.FromSeconds(30), token);
            var elected = clock.Elapsed;
            timeline.Say($"master {next.Id} elected leader (term {(await next.TryStatusAsync(token))?.Term}) {elected.TotalMilliseconds:F0} ms after the kill");
            await cluster.WaitForAgentsAsync(TimeSpan.FromSeconds(30), token, next.HttpAddress);
            var agentsBack = clock.Elapsed;
            timeline.Say($"both agents re-registered with the new leader ({agentsBack.TotalMilliseconds:F0} ms after the kill), their tasks untouched");
            cluster.Masters.Start(killed);
            timeline.Say($"restarted master {killed.Id}; it rejoins as a follower and catches up");

            using var progress = new PeriodicTimer(TimeSpan.FromSeconds(3));
            var allDone = scheduler.AllDone;
            while (!allDone.IsCompleted)
            {
                var tick = progress.WaitForNextTickAsync(token).AsTask();
                if (await Task.WhenAny(allDone, tick, Task.Delay(TimeSpan.FromSeconds(90), token)) == tick)
                    timeline.Say($"progress: {scheduler.Finished}/{tasks} tasks finished, {scheduler.Running} running");
                else break;
            }
            driver.Stop();

            var ok = scheduler.Finished == tasks && scheduler.Failed == 0;
            Console.WriteLine();
            Console.WriteLine("summary");
            Console.WriteLine($"  tasks finished          {scheduler.Finished}/{tasks} (failed or lost: {scheduler.Failed})");
            Console.WriteLine($"  leader killed           master {killed.Id}; new leader master {next.Id}");
            Console.WriteLine($"  new leader elected      {elected.TotalMilliseconds:F0} ms after the kill");
            Console.WriteLine($"  agents re-registered    {agentsBack.TotalMilliseconds:F0} ms after the kill");
            Console.WriteLine($"  framework re-subscribed {Ms(scheduler.ReregisteredAfter)} after the kill (same framework id {driver.FrameworkId})");
            Console.WriteLine($"  first offer, new leader {Ms(scheduler.FirstOfferAfter)} after the kill");
            Console.WriteLine($"  result                  {(ok ? "every task finished across the failover" : "NOT every task finished")}");
            return ok ? 0 : 1;
        }
        finally
        {
            cluster.Dispose();
            if (keep) Console.Error.WriteLine($"kept {root}");
            else try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string Ms(TimeSpan? t) => t is { } v ? $"{v.TotalMilliseconds:F0} ms" : "(not seen)";

    /// <summary>Timestamped lines relative to the start of the demo.</summary>
    internal sealed class Timeline
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly object gate = new();

        public void Say(string line)
        {
            lock (gate) Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F2}s] {line}");
        }
    }

    /// <summary>
    /// The example framework's logic (a task per free slot while work remains), narrating what it sees. A
    /// task lost with the old leader before its agent had it (TASK_LOST, TASK_DROPPED: it never ran) is
    /// launched again, as frameworks do; one that ran and failed is not.
    /// </summary>
    private sealed class DemoScheduler(int total, Timeline timeline) : IScheduler
    {
        private static readonly Resources PerTask = ResourceText.Parse("cpus:0.5;mem:64");
        private readonly TaskCompletionSource halfDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource allDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private const int MaxAttempts = 3;
        private readonly ConcurrentDictionary<string, TaskState> states = new();
        private readonly ConcurrentQueue<string> again = new();
        private readonly ConcurrentDictionary<string, int> attempts = new();
        private Stopwatch? sinceKill;
        private int launched;
        private int finished;
        private int failed;
        private bool offersLogged;

        public Task HalfDone => halfDone.Task;
        public Task AllDone => allDone.Task;
        public int Finished => Volatile.Read(ref finished);
        public int Failed => Volatile.Read(ref failed);
        public int Running => states.Values.Count(s => s == TaskState.Running);
        public TimeSpan? ReregisteredAfter { get; private set; }
        public TimeSpan? FirstOfferAfter { get; private set; }

        public void KilledAt(Stopwatch clock) => sinceKill = clock;

        public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master) =>
            timeline.Say($"framework registered as {frameworkId} with {master.Address}");

        public void Reregistered(ISchedulerDriver driver, MasterInfo master)
        {
            ReregisteredAfter ??= sinceKill?.Elapsed;
            timeline.Say($"framework re-subscribed with {master.Address} ({Ms(ReregisteredAfter)} after the kill), same framework id; reconciling its tasks");
        }

        public void Disconnected(ISchedulerDriver driver) => timeline.Say("framework lost its master; the driver is re-subscribing");

        public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers)
        {
            if (sinceKill is not null && FirstOfferAfter is null)
            {
                FirstOfferAfter = sinceKill.Elapsed;
                timeline.Say($"first offer from the new leader ({Ms(FirstOfferAfter)} after the kill)");
            }
            else if (!offersLogged)
            {
                offersLogged = true;
                timeline.Say($"offers arrive: {string.Join("; ", offers.Select(o => $"{o.Hostname} {o.Resources}"))}");
            }
            foreach (var offer in offers)
            {
                var left = offer.Resources;
                var batch = new List<TaskInfo>();
                while (left.Contains(PerTask))
                {
                    string name;
                    if (again.TryDequeue(out var lost)) name = lost;
                    else if (launched < total) name = $"task-{launched++:D3}";
                    else break;
                    var attempt = attempts.AddOrUpdate(name, 1, (_, n) => n + 1);
                    var id = attempt == 1 ? name : $"{name}.{attempt}";
                    batch.Add(new TaskInfo(id, name, offer.AgentId, PerTask, "sleep 1.5; echo done"));
                    left = left.Subtract(PerTask);
                }
                if (batch.Count == 0)
                {
                    driver.DeclineOffer(offer.Id, new Filters(TimeSpan.FromSeconds(1)));
                    continue;
                }
                timeline.Say($"launching {batch.Count} tasks on {offer.AgentId[..8]}… ({batch[0].TaskId}..{batch[^1].TaskId})");
                driver.LaunchTasks([offer.Id], batch, new Filters(TimeSpan.Zero));
            }
        }

        public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status)
        {
            var previous = states.TryGetValue(status.TaskId, out var p) ? p : (TaskState?)null;
            states[status.TaskId] = status.State;
            if (!status.State.IsTerminal() || previous is { } was && was.IsTerminal()) return;
            var name = status.TaskId.Split('.')[0];
            if (status.State is TaskState.Lost or TaskState.Dropped && attempts.GetValueOrDefault(name) < MaxAttempts)
            {
                timeline.Say($"task {status.TaskId} never ran ({status.State.MesosName()}: {status.Message}); launching it again");
                again.Enqueue(name);
                driver.ReviveOffers();
                return;
            }
            if (status.State == TaskState.Finished) Interlocked.Increment(ref finished);
            else
            {
                Interlocked.Increment(ref failed);
                timeline.Say($"task {status.TaskId} ended {status.State.MesosName()}: {status.Message}");
            }
            var ended = Finished + Failed;
            if (ended * 2 >= total) halfDone.TrySetResult();
            if (ended == total)
            {
                timeline.Say($"all {total} tasks ended: {Finished} finished, {Failed} did not");
                allDone.TrySetResult();
            }
        }

        public void OfferRescinded(ISchedulerDriver driver, string offerId) { }
        public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data) { }
        public void AgentLost(ISchedulerDriver driver, string agentId) => timeline.Say($"agent {agentId} lost");
        public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status) { }
        public void Error(ISchedulerDriver driver, string message)
        {
            timeline.Say($"framework error: {message}");
            allDone.TrySetResult();
            halfDone.TrySetResult();
        }
    }
}
