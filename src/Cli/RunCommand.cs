using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using Mesos.HA.Cli.Operator;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.SchedulerDriver;

namespace Mesos.HA.Cli;

/// <summary>
/// <c>mesos-ha run [--masters ...] [--cpus C] [--mem M] [--name N] -- &lt;command&gt;</c>: like mesos-execute,
/// launches one command task through a short-lived framework, prints its states as they come and
/// exits with the command's exit status (1 when it ended without one, 2 for usage errors).
/// </summary>
internal static partial class RunCommand
{
    public static Command Verb(CancellationToken token)
    {
        var command = new Argument<string[]>("command")
        {
            Description = "the task's shell command, after --", Arity = ArgumentArity.ZeroOrMore,
        };
        return Declare.Verb("run",
            "One task through a short-lived framework; exits with its exit status.",
            [
                Declare.Masters(), .. SecurityFlags.Client(),
                Declare.Value("cpus", "C", "the task's cpus (default 0.1)"),
                Declare.Value("mem", "M", "the task's memory in MB (default 32)"),
                Declare.Value("name", "N", "the framework's name (default mesos-ha-run)"),
                Declare.Value("timeout-seconds", "S", "kill the task if it has not ended by then (default 600)"),
                command,
            ],
            (result, args) =>
            {
                // The command follows "--", as in mesos-execute: everything after it is the task's, options included.
                var words = result.GetValue(command) ?? [];
                if (words.Length == 0 || !result.Tokens.Any(t => t.Type == TokenType.DoubleDash))
                    throw new UsageException("usage: mesos-ha run [--masters ...] [--cpus C] [--mem M] [--name N] -- <command>");
                return RunAsync(string.Join(' ', words), args, token);
            });
    }

    public static async Task<int> RunAsync(string command, ArgReader args, CancellationToken token)
    {
        var masters = OperatorClient.Masters(args);
        var cpus = args.Optional("cpus") ?? "0.1";
        var mem = args.Optional("mem") ?? "32";
        var name = args.Optional("name") ?? "mesos-ha-run";
        var timeout = TimeSpan.FromSeconds(args.Int("timeout-seconds", 600, 1, 86_400));
        args.EnsureAllUsed();
        if (!ResourceText.TryParse($"cpus:{cpus};mem:{mem}", out var resources, out var bad)) throw new UsageException($"--cpus/--mem: {bad}");

        var scheduler = new OneTask(command, resources);
        await using var driver = new MesosSchedulerDriver(scheduler, new FrameworkInfo { Name = name }, masters,
            new SchedulerDriverOptions { Credential = OperatorClient.Credential, Tls = OperatorClient.Tls });
        driver.Start();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(timeout);
        try
        {
            var final = await scheduler.Ended.WaitAsync(limit.Token);
            driver.Stop();
            return ExitCode(final);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            Console.Error.WriteLine($"mesos-ha: the task did not end within {timeout}; killing it");
            driver.KillTask(scheduler.TaskId);
            await Task.WhenAny(scheduler.Ended, Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None));
            driver.Stop();
            return 1;
        }
    }

    /// <summary>The command's own exit status when the executor reported one; otherwise 1 (0 only for TASK_FINISHED).</summary>
    public static int ExitCode(TaskUpdate final) =>
        final.State == TaskState.Finished ? 0
        : ExitStatus().Match(final.Message) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
        : 1;

    [GeneratedRegex(@"exited with status (\d+)")]
    private static partial Regex ExitStatus();

    private sealed class OneTask(string command, Resources resources) : IScheduler
    {
        private readonly TaskCompletionSource<TaskUpdate> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool launched;

        public string TaskId { get; } = "run-" + Guid.NewGuid().ToString("N")[..8];
        public Task<TaskUpdate> Ended => ended.Task;

        public void Registered(ISchedulerDriver driver, string frameworkId, MasterInfo master) =>
            Console.Error.WriteLine($"framework {frameworkId} registered with {master.Address}");

        public void ResourceOffers(ISchedulerDriver driver, IReadOnlyList<Offer> offers)
        {
            foreach (var offer in offers)
            {
                if (launched || !offer.Resources.Contains(resources))
                {
                    driver.DeclineOffer(offer.Id, new Filters(TimeSpan.FromSeconds(launched ? 600 : 1)));
                    continue;
                }
                launched = true;
                Console.Error.WriteLine($"launching task {TaskId} on {offer.Hostname}: {command}");
                driver.LaunchTasks([offer.Id], [new TaskInfo(TaskId, TaskId, offer.AgentId, resources, command)]);
            }
        }

        public void StatusUpdate(ISchedulerDriver driver, TaskUpdate status)
        {
            if (status.TaskId != TaskId) return;
            Console.Error.WriteLine($"task {status.TaskId} {status.State.MesosName()}{(status.Message.Length > 0 ? ": " + status.Message : "")}");
            if (status.State.IsTerminal()) ended.TrySetResult(status);
        }

        public void Error(ISchedulerDriver driver, string message) =>
            ended.TrySetException(new UsageException($"framework error: {message}"));

        public void Reregistered(ISchedulerDriver driver, MasterInfo master) { }
        public void Disconnected(ISchedulerDriver driver) { }
        public void OfferRescinded(ISchedulerDriver driver, string offerId) { }
        public void FrameworkMessage(ISchedulerDriver driver, string executorId, string agentId, byte[] data) { }
        public void AgentLost(ISchedulerDriver driver, string agentId) { }
        public void ExecutorLost(ISchedulerDriver driver, string executorId, string agentId, int status) { }
    }
}
