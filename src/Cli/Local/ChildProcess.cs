using System.Diagnostics;

namespace Mesos.HA.Cli.Local;

/// <summary>
/// A <c>mesos-ha</c> child process (master or agent) whose output is appended to a log file. It is
/// given our PID to watch and exits with us; <see cref="Dispose"/> kills it too.
/// </summary>
public sealed class ChildProcess(string logFile, IReadOnlyList<string> launcher) : IDisposable
{
    public ChildProcess(string logFile) : this(logFile, []) { }

    private Process? process;
    private StreamWriter? log;

    public string LogFile { get; } = logFile;
    public int? Pid => process is { HasExited: false } p ? p.Id : null;
    public bool IsRunning => process is { HasExited: false };

    /// <summary>Starts <c>mesos-ha &lt;arguments&gt; --parent-pid &lt;ours&gt;</c>.</summary>
    public void Start(IEnumerable<string> arguments)
    {
        if (IsRunning) throw new InvalidOperationException("the process is already running");
        // A launcher (such as `ip netns exec NAME`) runs the process in another context; it must exec it (same pid).
        var info = new ProcessStartInfo(launcher.Count > 0 ? launcher[0] : DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in launcher.Skip(1)) info.ArgumentList.Add(arg);
        if (launcher.Count > 0) info.ArgumentList.Add(DotnetHost());
        info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var arg in arguments) info.ArgumentList.Add(arg);
        info.ArgumentList.Add("--parent-pid");
        info.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        log ??= new StreamWriter(new FileStream(LogFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var started = Process.Start(info) ?? throw new InvalidOperationException("could not start " + info.FileName);
        var sink = log;
        started.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (sink) sink.WriteLine(e.Data); };
        started.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (sink) sink.WriteLine(e.Data); };
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
    }

    /// <summary>kill -9: no shutdown, no flush beyond what was already durable.</summary>
    public void Kill()
    {
        var p = process;
        if (p is null || p.HasExited) return;
        p.Kill();
        p.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try { process?.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { /* already exited */ }
        process?.Dispose();
        process = null;
        log?.Dispose();
        log = null;
    }

    /// <summary>This program as a shell command (the dotnet host and this assembly), for children started by others (an agent's executor).</summary>
    public static string SelfCommand => $"'{DotnetHost()}' '{typeof(ChildProcess).Assembly.Location}'";

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
