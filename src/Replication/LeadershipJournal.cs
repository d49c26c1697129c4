using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mesos.HA.Replication;

/// <summary>
/// Every leadership transition of this master, one line each, appended to <c>leadership.log</c> in
/// its data directory: <c>&lt;monotonic µs&gt; &lt;term&gt; leader|follower</c>. The monotonic clock is
/// the machine's (CLOCK_MONOTONIC on Linux), so journals of masters on one machine can be laid side by
/// side; chaos runs read them after the run to check that no term had two leaders, instead of
/// sampling <c>/health</c> and missing what happens while a master is paused or cut off. Each line
/// is written through at once (a SIGKILL keeps it; a power cut may not). Bounded: the file is
/// started afresh past <see cref="MaxBytes"/>. Thread-safe.
/// </summary>
public sealed class LeadershipJournal : IDisposable
{
    public const string FileName = "leadership.log";
    public const long MaxBytes = 4 << 20;
    private readonly Lock gate = new();
    private readonly string path;
    private FileStream? file;

    public LeadershipJournal(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        path = Path.Combine(dataDirectory, FileName);
    }

    public void Record(long term, bool leader)
    {
        var micros = MonotonicMicros();
        var line = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{micros} {term} {(leader ? "leader" : "follower")}\n"));
        lock (gate)
        {
            try
            {
                file ??= new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                if (file.Length > MaxBytes) file.SetLength(0);
                file.Write(line);
                file.Flush();
            }
            catch (IOException)
            {
                // The journal is evidence for tests and operators, never a reason to stop leading.
            }
        }
    }

    /// <summary>
    /// The machine's monotonic clock in µs (what the journal's lines carry; tests stamp their own
    /// observations with it to lay them beside the journals). Split so that it does not overflow: with
    /// nanosecond ticks, ticks × 10⁶ passes <see cref="long.MaxValue"/> after about 2.5 hours of uptime.
    /// </summary>
    public static long MonotonicMicros()
    {
        var ticks = Stopwatch.GetTimestamp();
        return ticks / Stopwatch.Frequency * 1_000_000 + ticks % Stopwatch.Frequency * 1_000_000 / Stopwatch.Frequency;
    }

    public void Dispose()
    {
        lock (gate) file?.Dispose();
    }
}
