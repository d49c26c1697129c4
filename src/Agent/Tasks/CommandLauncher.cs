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
    string? Cgroup,
    UnixUser? User = null);

/// <summary>
/// The built-in command executor's launch: <c>/bin/sh -c &lt;command&gt;</c> under a small shell
/// wrapper started with <c>setsid</c>, so the task leads its own session and process group (kill
/// reaches all of it) and outlives an agent restart. The wrapper joins the task's cgroup before
/// anything runs, sends output to the sandbox's <c>stdout</c>/<c>stderr</c>, and records the
/// command's exit code in the run's meta directory, where a restarted agent finds it. With a
/// <see cref="LaunchSpec.User"/>, the wrapper stays root (it writes the meta directory and joins the
/// cgroup) and only the command runs as that user, through util-linux <c>setpriv</c> (a .NET child
/// cannot change user between fork and exec); the sandbox and its output files are given to the user first.
/// </summary>
public static class CommandLauncher
{
    public const string ExitFile = "exit";

    private const string Wrapper = """
        if [ -n "$MESOS_HA_CGROUP" ]; then echo $$ > "$MESOS_HA_CGROUP/cgroup.procs" || exit 125; fi
        exec </dev/null >>"$MESOS_SANDBOX/stdout" 2>>"$MESOS_SANDBOX/stderr"
        command=$MESOS_HA_COMMAND
        meta=$MESOS_HA_META
        if [ -n "$MESOS_HA_UID" ]; then set -- "$MESOS_HA_SETPRIV" --reuid="$MESOS_HA_UID" --regid="$MESOS_HA_GID" --init-groups --; else set --; fi
        unset MESOS_HA_COMMAND MESOS_HA_META MESOS_HA_CGROUP MESOS_HA_SETPRIV MESOS_HA_UID MESOS_HA_GID
        "$@" /bin/sh -c "$command"
        code=$?
        echo $code > "$meta/exit"
        exit $code
        """;

    /// <summary>Where util-linux installs <c>setpriv</c>, which runs a command as another user.</summary>
    private static readonly string[] SetprivPaths = ["/usr/bin/setpriv", "/bin/setpriv"];

    /// <summary>The arguments that run a command as <paramref name="user"/>: <c>setpriv --reuid=U --regid=G --init-groups --</c>.</summary>
    /// <exception cref="InvalidOperationException">setpriv is not installed.</exception>
    public static IReadOnlyList<string> RunAsArguments(UnixUser user) =>
    [
        Setpriv(user), $"--reuid={user.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        $"--regid={user.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "--init-groups", "--",
    ];

    private static string Setpriv(UnixUser user) => SetprivPaths.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"cannot run as user '{user.Name}': setpriv (util-linux) is not installed on this agent");

    /// <summary>Starts the run; the returned <see cref="Process"/> is the wrapper (reap it with WaitForExit).</summary>
    public static (Process Process, TaskProcess Task) Start(LaunchSpec spec)
    {
        var setpriv = spec.User is { } user ? Setpriv(user) : null;
        Directory.CreateDirectory(spec.Sandbox);
        Directory.CreateDirectory(spec.Meta);
        if (spec.User is { } owner) GiveSandbox(spec.Sandbox, owner);
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
        info.Environment["MESOS_HA_SETPRIV"] = setpriv ?? "";
        info.Environment["MESOS_HA_UID"] = spec.User?.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
        info.Environment["MESOS_HA_GID"] = spec.User?.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
        var process = Process.Start(info) ?? throw new InvalidOperationException("setsid did not start");
        var start = ProcessGroup.StartTicks(process.Id);
        // A process that ended before /proc could be read leaves no start time; 0 never matches a live one.
        return (process, new TaskProcess(process.Id, start ?? 0));
    }

    /// <summary>The sandbox and the output files the wrapper appends to belong to the user, so the task can write there.</summary>
    private static void GiveSandbox(string sandbox, UnixUser user)
    {
        UserAccounts.GiveTo(sandbox, user);
        foreach (var name in new[] { "stdout", "stderr" })
        {
            var path = Path.Combine(sandbox, name);
            using (File.Open(path, FileMode.Append, FileAccess.Write)) { }
            UserAccounts.GiveTo(path, user);
        }
    }

    /// <summary>
    /// The exit code the wrapper recorded, or null when the command did not end by itself (killed, or never ran).
    /// The wrapper writes the file in place with one write, read only once the wrapper is gone: an empty or torn
    /// file (the machine went down as it wrote) reads as no exit code, as a missing one does, so a rename (one
    /// more process per task) would add nothing.
    /// </summary>
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
