using System.Runtime.InteropServices;

namespace Mesos.HA.Cli.Local;

/// <summary>POSIX signals the chaos tools need beyond <see cref="System.Diagnostics.Process.Kill()"/> (which sends SIGKILL).</summary>
internal static partial class Signals
{
    public const int SigStop = 19;
    public const int SigCont = 18;
    public const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
    }
}
