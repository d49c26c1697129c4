using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Mesos.HA.Agent;
using Mesos.HA.Agent.Files;
using Mesos.HA.Protocol;

namespace Mesos.HA.Cli.Operator;

/// <summary>
/// <c>mesos-ha logs &lt;task-id&gt; [--stderr] [--follow] [--framework ID] [--masters H:P,...]</c>: finds the task,
/// its framework and its agent in the leader's <c>/master/state</c>, then reads the task's stdout (or stderr)
/// through the agent's <c>/files/read</c> under the alias of its latest run. With <c>--follow</c> it keeps
/// reading from where it stopped, every <see cref="PollInterval"/> at the end of the file, until the task is
/// terminal and the file is printed to its end (or Ctrl-C). Exit 0 when done, 1 when the task, its agent or
/// its file cannot be found, 2 for bad input or no leader.
/// </summary>
internal static class LogsCommand
{
    public static Command Verb(CancellationToken token)
    {
        var taskId = new Argument<string>("task-id") { Description = "the task whose output to print" };
        return Declare.Verb("logs",
            "A task's stdout (or stderr) from its agent's sandbox; --follow until it ends.",
            [
                taskId,
                Declare.Flag("stderr", "the task's stderr instead of its stdout"),
                Declare.Flag("follow", "keep printing what the task writes until it ends"),
                Declare.Value("framework", "id", "the task's framework, when tasks of several frameworks have that id"),
                Declare.Masters(), .. SecurityFlags.Client(),
            ],
            (result, args) => RunAsync(result.GetValue(taskId)!, args, token));
    }

    /// <summary>Between two reads at the end of a followed file, and between retries of an agent or master that did not answer.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Consecutive failed attempts (agent or leader not answering, file not there yet) a follow rides out: 30 s.</summary>
    private const int MaxFailures = 60;

    /// <summary>Bytes asked for per read (the agent caps a read at <see cref="SandboxFiles.MaxReadBytes"/>).</summary>
    private const int ChunkBytes = 256 * 1024;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) }) { Timeout = TimeSpan.FromSeconds(10) };

    private static readonly HashSet<string> Terminal =
        [.. Enum.GetValues<TaskState>().Where(s => s.IsTerminal()).Select(s => s.MesosName()), "TASK_GONE_BY_OPERATOR"];

    public static async Task<int> RunAsync(string taskId, ArgReader args, CancellationToken token)
    {
        var masters = OperatorClient.Masters(args);
        var file = args.Flag("stderr") ? "stderr" : "stdout";
        var follow = args.Flag("follow");
        var framework = args.Optional("framework");
        args.EnsureAllUsed();

        var state = await OperatorClient.LeaderStateAsync(masters, token);
        if (Find(state, taskId, framework, out var problem) is not { } task)
        {
            Console.Error.WriteLine($"mesos-ha: {problem}");
            return 1;
        }
        var path = VirtualPath.LatestAlias(AgentPaths.Safe(task.Framework), AgentPaths.Safe(task.Executor)) + "/" + file;
        var reader = new Reader(task.Agent, path);
        long offset = 0;
        var terminal = !follow || Terminal.Contains(task.State);
        var failures = 0;
        while (true)
        {
            var (status, data, error) = await reader.ReadAsync(offset, token);
            if (status == 200 && data.Length > 0)
            {
                Console.Out.Write(data);
                Console.Out.Flush();
                offset += Encoding.UTF8.GetByteCount(data);
                failures = 0;
                continue;
            }
            if (status == 200 && terminal) return 0; // at the end, and nothing more will be written
            if (status != 200 && (!follow || terminal || ++failures > MaxFailures))
            {
                Console.Error.WriteLine($"mesos-ha: cannot read {file} of task {taskId} from agent {task.Agent}: {error}");
                return 1;
            }
            // At the end of a running task's file (or not there yet): has the task ended meanwhile?
            if (await TaskStateAsync(masters, taskId, task.Framework, token) is { } now) terminal = now is "" || Terminal.Contains(now);
            if (!terminal) await Task.Delay(PollInterval, token);
        }
    }

    /// <summary>A task found in the leader's state; <see cref="Executor"/> names the sandbox its output is in (its custom executor's, or its own).</summary>
    private sealed record FoundTask(string Framework, string Agent, string State, string Executor);

    /// <summary>The task in the leader's state (a live one before a completed one), with its agent's HTTP address.</summary>
    private static FoundTask? Find(JsonObject state, string taskId, string? framework, out string problem)
    {
        var matches = ((JsonArray)state["frameworks"]!).OfType<JsonObject>()
            .SelectMany(f => new[] { "tasks", "completed_tasks" }.SelectMany(list => (f[list] as JsonArray ?? []).OfType<JsonObject>()))
            .Where(t => S(t, "id") == taskId && (framework is null || S(t, "framework_id") == framework))
            .ToArray();
        var live = matches.Where(t => !Terminal.Contains(S(t, "state"))).ToArray();
        var candidates = live.Length > 0 ? live : matches;
        if (candidates.Select(t => S(t, "framework_id")).Distinct().Count() > 1)
        {
            problem = $"task '{taskId}' exists in frameworks {string.Join(", ", candidates.Select(t => S(t, "framework_id")).Distinct().Order(StringComparer.Ordinal))}: name one with --framework";
            return null;
        }
        if (candidates.LastOrDefault() is not { } task)
        {
            problem = $"no task '{taskId}' is known to the leading master";
            return null;
        }
        var agentId = S(task, "slave_id");
        var agent = ((JsonArray)state["slaves"]!).OfType<JsonObject>().FirstOrDefault(a => S(a, "id") == agentId);
        var pid = agent is null ? "" : S(agent, "pid");
        if (pid.IndexOf('@', StringComparison.Ordinal) is var at && at < 0)
        {
            problem = $"the agent {agentId} of task '{taskId}' is not active (unreachable or gone)";
            return null;
        }
        problem = "";
        // A task of a custom executor writes to that executor's sandbox; a command task has one named after it.
        var executor = task["executor_id"] is JsonValue { } named && named.GetValue<string>() is { Length: > 0 } id ? id : taskId;
        return new FoundTask(S(task, "framework_id"), pid[(at + 1)..], S(task, "state"), executor);
    }

    /// <summary>The task's state now; "" when the leader no longer lists it (it ended long ago); null when no leader answered.</summary>
    private static async Task<string?> TaskStateAsync(IReadOnlyList<string> masters, string taskId, string framework, CancellationToken token)
    {
        try
        {
            var state = await OperatorClient.LeaderStateAsync(masters, token);
            return Find(state, taskId, framework, out _) is { } task ? task.State : "";
        }
        catch (UsageException)
        {
            return null; // no leader for now (a failover): ask again at the next poll
        }
    }

    private static string S(JsonNode node, string field) => node[field]?.ToString() ?? "";

    /// <summary>Reads of one file through the agent's <c>/files/read</c>.</summary>
    private sealed class Reader(string agent, string path)
    {
        public async Task<(int Status, string Data, string Error)> ReadAsync(long offset, CancellationToken token)
        {
            var url = $"http://{agent}/files/read?path={Uri.EscapeDataString(path)}&offset={offset.ToString(CultureInfo.InvariantCulture)}&length={ChunkBytes}";
            try
            {
                using var response = await Http.GetAsync(url, token);
                var body = await response.Content.ReadAsStringAsync(token);
                if (!response.IsSuccessStatusCode) return ((int)response.StatusCode, "", $"{body.Trim()} ({(int)response.StatusCode})");
                return (200, JsonNode.Parse(body)?["data"]?.GetValue<string>() ?? "", "");
            }
            catch (Exception e) when (NoAnswer.OrUnreadable(e) && !token.IsCancellationRequested)
            {
                return (0, "", e.Message);
            }
        }
    }
}
