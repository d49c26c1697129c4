using System.Globalization;
using System.Runtime.InteropServices;

namespace Mesos.HA.Cli.Bench;

/// <summary>A process's resident memory and CPU time as Linux reports them in /proc (the benches' view of a master).</summary>
internal static partial class ProcStats
{
    private const int ScClockTicks = 2; // _SC_CLK_TCK

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);

    /// <summary>Clock ticks per second of /proc/pid/stat's times (100 on every Linux we run on; asked, not assumed).</summary>
    public static readonly double TicksPerSecond = SysConf(ScClockTicks) is > 0 and var ticks ? ticks : 100;

    /// <summary>VmRSS of <paramref name="pid"/> in kB; null when the process is gone.</summary>
    public static long? ResidentKb(int? pid)
    {
        if (pid is null) return null;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return null;
    }

    /// <summary>utime + stime of <paramref name="pid"/> in seconds; null when the process is gone.</summary>
    public static double? CpuSeconds(int? pid)
    {
        if (pid is null) return null;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// TcpExt ListenOverflows of this network namespace (connections dropped because a listener's accept queue was
    /// full; the client retries its SYN after 1 s): shared with whatever else runs here, so a delta is a hint, not proof.
    /// </summary>
    public static long? ListenOverflows()
    {
        try
        {
            var lines = File.ReadAllLines("/proc/net/netstat");
            for (var i = 0; i + 1 < lines.Length; i += 2)
            {
                if (!lines[i].StartsWith("TcpExt:", StringComparison.Ordinal)) continue;
                var index = Array.IndexOf(lines[i].Split(' '), "ListenOverflows");
                return index < 0 ? null : long.Parse(lines[i + 1].Split(' ')[index], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException) { }
        return null;
    }

    /// <summary>The 1-minute load average of the machine, for the record (the benches run on a shared machine).</summary>
    public static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }
}
