using System.Diagnostics;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Tasks;

/// <summary>What the command executor needs to start one task run.</summary>
public sealed record LaunchSpec(
    string Command,
    string Sandbox,
    string Meta,
    Resources Resources,
    IReadOnlyDictionary<string, string> Environment,
    string? Cgroup);

/// <summary>
/// The built-in command executor's launch: <c>/bin/sh -c &lt;command&gt;</c> under a small shell
/// wrapper started with <c>setsid</c>, so the task leads its own session and process group (kill
/// reaches all of it) and outlives an agent restart. The wrapper joins the task's cgroup before
/// anything runs, sends output to the sandbox's <c>stdout</c>/<c>stderr</c>, and records the
/// command's exit code in the run's meta directory, where a restarted agent finds it.
/// </summary>
public static class CommandLauncher
{
    public const string ExitFile = "exit";

    private const string Wrapper = """
        if [ -n "$MESOS_HA_CGROUP" ]; then echo $$ > "$MESOS_HA_CGROUP/cgroup.procs" || exit 125; fi
        exec </dev/null >>"$MESOS_SANDBOX/stdout" 2>>"$MESOS_SANDBOX/stderr"
        command=$MESOS_HA_COMMAND
        meta=$MESOS_HA_META
        unset MESOS_HA_COMMAND MESOS_HA_META MESOS_HA_CGROUP
        /bin/sh -c "$command"
        code=$?
        echo $code > "$meta/exit.tmp" && mv "$meta/exit.tmp" "$meta/exit"
        exit $code
        """;

    /// <summary>Starts the run; the returned <see cref="Process"/> is the wrapper (reap it with WaitForExit).</summary>
    public static (Process Process, TaskProcess Task) Start(LaunchSpec spec)
    {
        Directory.CreateDirectory(spec.Sandbox);
        Directory.CreateDirectory(spec.Meta);
        var info = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            WorkingDirectory = spec.Sandbox,
        };
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Wrapper);
        info.ArgumentList.Add("mesos-ha-command-executor");
        foreach (var (name, value) in spec.Environment) info.Environment[name] = value;
        info.Environment["MESOS_HA_COMMAND"] = spec.Command;
        info.Environment["MESOS_HA_META"] = spec.Meta;
        info.Environment["MESOS_HA_CGROUP"] = spec.Cgroup ?? "";
        var process = Process.Start(info) ?? throw new InvalidOperationException("setsid did not start");
        var start = ProcessGroup.StartTicks(process.Id);
        // A process that ended before /proc could be read leaves no start time; 0 never matches a live one.
        return (process, new TaskProcess(process.Id, start ?? 0));
    }

    /// <summary>The exit code the wrapper recorded, or null when the command did not end by itself (killed, or never ran).</summary>
    public static int? RecordedExitCode(string meta)
    {
        var path = Path.Combine(meta, ExitFile);
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out var code) ? code : null;
    }

    /// <summary>The environment Mesos gives a command task, plus <c>PORT0..N</c> for its port resources.</summary>
    public static Dictionary<string, string> TaskEnvironment(string sandbox, string taskId, string agentId, string frameworkId,
        Resources resources)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["MESOS_SANDBOX"] = sandbox,
            ["MESOS_DIRECTORY"] = sandbox,
            ["MESOS_TASK_ID"] = taskId,
            ["MESOS_AGENT_ID"] = agentId,
            ["MESOS_FRAMEWORK_ID"] = frameworkId,
        };
        var ports = resources.Ranges.Where(r => r.Key.Name == "ports")
            .SelectMany(r => r.Value.Ranges).SelectMany(r => LongRange(r.Begin, r.End)).Take(1024).ToArray();
        for (var i = 0; i < ports.Length; i++) env[$"PORT{i}"] = ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (ports.Length > 0) env["PORT"] = env["PORT0"];
        return env;
    }

    private static IEnumerable<long> LongRange(long begin, long end)
    {
        for (var p = begin; p <= end; p++) yield return p;
    }
}
