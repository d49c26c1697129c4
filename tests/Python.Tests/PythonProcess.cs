using System.Diagnostics;

namespace Mesos.HA.Python.Tests;

/// <summary>
/// A python3 child with the client on its PYTHONPATH, its stdout and stderr collected line by line.
/// Disposing kills it (and anything it started) if it is still running, so a failed test leaves nothing behind.
/// </summary>
internal sealed class PythonProcess : IDisposable
{
    private readonly Process process;
    private readonly List<string> lines = new();

    private PythonProcess(Process process) => this.process = process;

    /// <summary>The python3 on the PATH, or null when there is none.</summary>
    public static string? Interpreter() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "python3")).FirstOrDefault(File.Exists);

    public static PythonProcess Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <summary>Starts python3 with <paramref name="arguments"/>, with <paramref name="environment"/> added to its environment.</summary>
    public static PythonProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter() ?? throw new InvalidOperationException("no python3 on the PATH"))
        {
            WorkingDirectory = Repository.Root.Value,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["PYTHONPATH"] = Repository.ClientPath;
        start.Environment["PYTHONUNBUFFERED"] = "1";
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        var python = new PythonProcess(process);
        process.OutputDataReceived += (_, e) => python.Add(e.Data);
        process.ErrorDataReceived += (_, e) => python.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return python;
    }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>What it printed so far, stdout and stderr interleaved as they arrived.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (lines) return [.. lines]; }
    }

    public string Output => string.Join(Environment.NewLine, Lines);

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
            throw new TimeoutException($"{phase}: python (pid {Pid}) still running after {timeout.TotalSeconds:0} s; last lines:{Environment.NewLine}{string.Join(Environment.NewLine, Lines.TakeLast(20))}");
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
