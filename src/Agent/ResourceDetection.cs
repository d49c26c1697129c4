using System.Globalization;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent;

/// <summary>
/// The agent's resources: detected from the machine as Mesos does (all CPUs; memory less 1 GiB or
/// half, whichever is smaller; the work directory's disk less 5 GiB or half; ports 31000-32000),
/// with each resource named in <c>--resources</c> replacing the detected one (reservations included).
/// </summary>
public static class ResourceDetection
{
    public static Resources Resolve(string? given, string workDirectory)
    {
        var explicitResources = string.IsNullOrWhiteSpace(given) ? Resources.Empty : ResourceText.Parse(given);
        var named = explicitResources.Scalars.Keys.Select(k => k.Name)
            .Concat(explicitResources.Ranges.Keys.Select(k => k.Name))
            .Concat(explicitResources.Sets.Keys.Select(k => k.Name)).ToHashSet(StringComparer.Ordinal);
        return Detect(workDirectory).Filter(k => !named.Contains(k.Name)).Add(explicitResources);
    }

    public static Resources Detect(string workDirectory)
    {
        var resources = Resources.Scalar("cpus", Scalar.FromUnits(Environment.ProcessorCount))
            .Add(Resources.Range("ports", RangeSet.Of([new ValueRange(31000, 32000)])));
        if (MemoryMb() is { } mem)
            resources = resources.Add(Resources.Scalar("mem", Scalar.FromUnits(Math.Max(0, mem - Math.Min(1024, mem / 2)))));
        if (DiskMb(workDirectory) is { } disk)
            resources = resources.Add(Resources.Scalar("disk", Scalar.FromUnits(Math.Max(0, disk - Math.Min(5 * 1024, disk / 2)))));
        return resources;
    }

    private static long? MemoryMb()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return kb is null ? null : long.Parse(kb, CultureInfo.InvariantCulture) / 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static long? DiskMb(string workDirectory)
    {
        try
        {
            Directory.CreateDirectory(workDirectory);
            return new DriveInfo(Path.GetFullPath(workDirectory)).TotalSize / (1024 * 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
