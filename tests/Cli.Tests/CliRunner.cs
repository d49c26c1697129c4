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
