using System.Diagnostics;

namespace Mesos.HA.Cli;

/// <summary>Stops a child process of a local cluster or a test when the process that started it exits.</summary>
internal static class ParentWatch
{
    public static async Task ExitWithAsync(int pid, CancellationTokenSource stop)
    {
        try
        {
            using var parent = Process.GetProcessById(pid);
            await parent.WaitForExitAsync(stop.Token);
        }
        catch (ArgumentException) { /* already gone */ }
        catch (OperationCanceledException) { return; }
        await stop.CancelAsync();
    }
}
