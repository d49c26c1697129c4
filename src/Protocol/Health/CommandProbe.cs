using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Mesos.HA.Protocol.Health;

/// <summary>
/// Passes when <c>/bin/sh -c &lt;command&gt;</c> exits 0. The shell starts under <c>setsid</c>, so it leads
/// its own session and process group; when the check ends, on exit, timeout or cancellation, the whole
/// group gets SIGKILL, so nothing a check started (a hung child, a background job) outlives it.
/// </summary>
/// <remarks>
/// stdin is empty; stdout and stderr are drained, and the start of stderr (else of stdout) goes into a
/// failure's message. A process that leaves the group (its own <c>setsid</c>) is out of reach, as in Mesos.
/// </remarks>
public sealed class CommandProbe : IHealthProbe
{
    /// <summary>How much of a failed command's output its message quotes.</summary>
    public const int QuotedOutputCharsMax = 200;

    private const int KeptOutputBytesMax = 4096;
    private static readonly TimeSpan ReapTimeout = TimeSpan.FromSeconds(5);

    private readonly string command;
    private readonly string workingDirectory;
    private readonly IReadOnlyDictionary<string, string> environment;
    private readonly TimeProvider time;

    public CommandProbe(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentNullException.ThrowIfNull(workingDirectory);
        ArgumentNullException.ThrowIfNull(environment);
        this.command = command;
        this.workingDirectory = workingDirectory;
        this.environment = environment;
        this.time = time;
    }

    /// <summary>Arguments the shell runs below (after <c>setsid</c>), such as <c>setpriv --reuid=… --</c> to run as the task's user; none by default.</summary>
    public IReadOnlyList<string> RunAs { get; init; } = [];

    public Task<ProbeResult> CheckAsync(TimeSpan timeout, CancellationToken token) =>
        HealthProbe.BoundedAsync("the command", timeout, time, token, RunAsync);

    private async Task<ProbeResult> RunAsync(CancellationToken token)
    {
        var info = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in RunAs) info.ArgumentList.Add(argument);
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("setsid did not start");
        }
        catch (Win32Exception e)
        {
            return ProbeResult.Fail($"the command could not start in {workingDirectory}: {e.Message}");
        }
        using (process)
        {
            process.StandardInput.Close();
            var output = KeepStartAsync(process.StandardOutput.BaseStream);
            var errors = KeepStartAsync(process.StandardError.BaseStream);
            try
            {
                await process.WaitForExitAsync(token).ConfigureAwait(false);
            }
            finally
            {
                // setsid made the shell's pid its group's id; the group is not reused while a member lives.
                HealthProcessGroup.KillGroup(process.Id);
                await ReapAsync(process).ConfigureAwait(false);
            }
            var code = process.ExitCode;
            if (code == 0) return ProbeResult.Pass("the command exited with 0");
            var quoted = await QuoteAsync(errors, output).ConfigureAwait(false);
            return ProbeResult.Fail($"the command exited with {code}" + (quoted.Length == 0 ? "" : ": " + quoted));
        }
    }

    private async Task ReapAsync(Process process)
    {
        using var bound = new CancellationTokenSource(ReapTimeout, time);
        try
        {
            await process.WaitForExitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGKILL was sent; a process stuck in the kernel is reaped by the runtime when it ends.
        }
    }

    /// <summary>Reads <paramref name="stream"/> to its end (so the command never blocks on a full pipe), keeping its start.</summary>
    private static async Task<string> KeepStartAsync(Stream stream)
    {
        var kept = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                if (kept.Length < KeptOutputBytesMax) kept.Write(buffer, 0, (int)Math.Min(read, KeptOutputBytesMax - kept.Length));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe closed under us: what was read is all there is.
        }
        return Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length);
    }

    private async Task<string> QuoteAsync(Task<string> errors, Task<string> output)
    {
        // The group is dead, so the pipes are at their end unless a process left the group with a copy.
        var both = Task.WhenAll(errors, output);
        if (await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(1), time)).ConfigureAwait(false) != both) return "";
        var text = (errors.Result.Trim() is { Length: > 0 } e ? e : output.Result.Trim()).ReplaceLineEndings(" ");
        return text.Length <= QuotedOutputCharsMax ? text : text[..QuotedOutputCharsMax] + "…";
    }
}
