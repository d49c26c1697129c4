using Mesos.HA.Protocol;

namespace Mesos.HA.Agent;

/// <summary>
/// Where things live under the work directory, laid out as Mesos does:
/// <c>agents/&lt;agent&gt;/frameworks/&lt;fw&gt;/executors/&lt;exec&gt;/runs/&lt;run&gt;/</c> holds a run's sandbox
/// (<c>stdout</c>, <c>stderr</c>, the task's files) and <c>meta/</c> mirrors it with the checkpoints.
/// </summary>
public sealed class AgentPaths(string workDirectory)
{
    public string WorkDirectory { get; } = Path.GetFullPath(workDirectory);

    /// <summary>The agent's identity once registered (so a restart re-registers as the same agent).</summary>
    public string AgentInfoFile => Path.Combine(WorkDirectory, "meta", "agent.info");

    /// <summary>The key executor tokens are signed with (mode 0600; kept across restarts so recovered executors' tokens still hold).</summary>
    public string ExecutorSecretKeyFile => Path.Combine(WorkDirectory, "meta", "executor-secret.key");

    public string MetaRoot(AgentId agent) => Path.Combine(WorkDirectory, "meta", "agents", Safe(agent.Value));

    public string Sandbox(AgentId agent, FrameworkId framework, string executor, string run) =>
        Path.Combine(WorkDirectory, "agents", Safe(agent.Value), "frameworks", Safe(framework.Value), "executors", Safe(executor), "runs", run);

    public string Meta(AgentId agent, FrameworkId framework, string executor, string run) =>
        Path.Combine(MetaRoot(agent), "frameworks", Safe(framework.Value), "executors", Safe(executor), "runs", run);

    /// <summary>Every run directory checkpointed for the agent (meta side).</summary>
    public IEnumerable<string> MetaRuns(AgentId agent)
    {
        var frameworks = Path.Combine(MetaRoot(agent), "frameworks");
        if (!Directory.Exists(frameworks)) return [];
        return Directory.EnumerateDirectories(frameworks)
            .SelectMany(f => Directory.Exists(Path.Combine(f, "executors")) ? Directory.EnumerateDirectories(Path.Combine(f, "executors")) : [])
            .SelectMany(e => Directory.Exists(Path.Combine(e, "runs")) ? Directory.EnumerateDirectories(Path.Combine(e, "runs")) : []);
    }

    /// <summary>Ids come from frameworks: anything that could escape the directory is replaced.</summary>
    public static string Safe(string id)
    {
        if (id is "." or ".." || id.Length == 0) return "_" + id.Length;
        var chars = id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        return new string(chars);
    }
}
