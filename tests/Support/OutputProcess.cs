using System.Diagnostics;

namespace Mesos.HA.Tests.Support;

/// <summary>
/// A child process whose stdout and stderr are collected line by line as they arrive (interleaved).
/// Disposing kills it (and anything it started) if it still runs, so a failed test leaves nothing behind.
/// </summary>
public sealed class OutputProcess : IDisposable
{
    private readonly Process process;
    private readonly List<string> lines = new();

    private OutputProcess(Process process) => this.process = process;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>, <paramref name="environment"/> added to its environment.</summary>
    public static OutputProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        var child = new OutputProcess(process);
        process.OutputDataReceived += (_, e) => child.Add(e.Data);
        process.ErrorDataReceived += (_, e) => child.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>What it printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (lines) return [.. lines]; }
    }

    public string Output => string.Join(Environment.NewLine, Lines);

    public bool Saw(string text) => Lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Its last <paramref name="count"/> lines, for a failure message.</summary>
    public string Tail(int count = 60) => string.Join(Environment.NewLine, Lines.TakeLast(count));

    /// <summary>Its exit code once it exits within <paramref name="timeout"/>; TimeoutException naming the phase and its last lines otherwise.</summary>
    public async Task<int> WaitForExitAsync(string phase, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{phase}: {process.StartInfo.FileName} (pid {Pid}) still running after {timeout.TotalSeconds:0} s; last lines:{Environment.NewLine}{Tail(20)}");
        }
        process.WaitForExit(); // drains the redirected output
        return process.ExitCode;
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (lines) lines.Add(line);
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        process.Dispose();
    }
}
