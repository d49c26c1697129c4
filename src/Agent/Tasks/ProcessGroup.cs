using System.Globalization;
using System.Runtime.InteropServices;

namespace Mesos.HA.Agent.Tasks;

/// <summary>
/// A task's process as the agent checkpoints it: its pid (which is also its process group and
/// session id) and its start time in clock ticks since boot, so that a recycled pid is never
/// mistaken for the task after an agent restart.
/// </summary>
public readonly record struct TaskProcess(int Pid, long StartTicks)
{
    public override string ToString() => $"{Pid} {StartTicks}";

    public static TaskProcess? Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid)
               && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var start)
            ? new TaskProcess(pid, start) : null;
    }
}

/// <summary>Signals and liveness of process groups, through /proc and kill(2).</summary>
public static partial class ProcessGroup
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/> to every process of the group led by <paramref name="process"/>.</summary>
    public static void Signal(TaskProcess process, int signal)
    {
        if (process.Pid <= 1) return; // never signal init or "every process"
        Kill(-process.Pid, signal);
    }

    /// <summary>Whether any process of the group is still there (zombies count as gone).</summary>
    public static bool GroupAlive(TaskProcess process)
    {
        if (process.Pid <= 1) return false;
        return Kill(-process.Pid, 0) == 0 && AnyMemberRunning(process.Pid);
    }

    /// <summary>Whether the task's own process is still running: same pid, same start time, not a zombie.</summary>
    public static bool Alive(TaskProcess process) =>
        ReadStat(process.Pid) is { } stat && stat.StartTicks == process.StartTicks && stat.State != 'Z';

    /// <summary>The start time of a process, from <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public static long? StartTicks(int pid) => ReadStat(pid)?.StartTicks;

    private static bool AnyMemberRunning(int pgid)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid)) continue;
            if (ReadStat(pid) is { } stat && stat.ProcessGroup == pgid && stat.State != 'Z') return true;
        }
        return false;
    }

    private static (char State, int ProcessGroup, long StartTicks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); field 5 is pgrp; field 22 is starttime.
        if (fields.Length < 20) return null;
        return (fields[0][0], int.Parse(fields[2], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture));
    }
}
