using System.Diagnostics;

namespace Mesos.HA.Cli.Tests;

/// <summary>Runs <c>mesos-ha</c> as a child process with a deadline; kills it (and its children) if it overruns.</summary>
internal static class CliRunner
{
    public static Task<(int Exit, string Out, string Err)> RunAsync(TimeSpan timeout, params string[] args) =>
        RunAsync(timeout, null, new Dictionary<string, string>(), args);

    public static async Task<(int Exit, string Out, string Err)> RunAsync(TimeSpan timeout, string? workingDirectory,
        IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (name, value) in environment) info.Environment[name] = value;
        info.ArgumentList.Add(typeof(Mesos.HA.Cli.Local.ChildProcess).Assembly.Location);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mesos-ha {string.Join(' ', args)} did not end within {timeout}; output so far:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// <c>mesos-ha</c> as a running child process whose output lines are collected as they come, for commands
/// that stream (<c>logs --follow</c>). Disposing kills it (and its children) if it still runs.
/// </summary>
internal sealed class CliChild : IDisposable
{
    private readonly Process process;
    private readonly List<string> lines = new();
    private readonly System.Text.StringBuilder errors = new();

    public CliChild(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(Mesos.HA.Cli.Local.ChildProcess).Assembly.Location);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (lines) lines.Add(line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (errors) errors.AppendLine(line); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The lines printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (lines) return [.. lines]; }
    }

    public string Errors
    {
        get { lock (errors) return errors.ToString(); }
    }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Waits for the exit (and the last of its output); false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { /* already gone */ }
        process.Dispose();
    }
}
