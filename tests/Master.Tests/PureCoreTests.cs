using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>The allocator and the master's, agent's and scheduler driver's decision cores stay pure: no sockets, files, processes, timers, clocks, randomness, threads, DotNext or FASTER.</summary>
public class PureCoreTests
{
    private static readonly string[] Forbidden =
    [
        "System.Net", "Socket", "Timer", "Task.Delay", "Thread.Sleep", "DateTime.Now", "DateTime.UtcNow", "DateTimeOffset.UtcNow",
        "DateTimeOffset.Now", "Stopwatch", "Random", "DotNext", "FASTER", "Environment.", "File.", "HttpClient",
        "Guid.NewGuid", "Task.Run", "Directory.", "Process.Start", "ProcessGroup.Signal", "lock (",
    ];

    [Theory]
    [InlineData("src/Master/Allocation")]
    [InlineData("src/Master/Core")]
    [InlineData("src/Agent/Core")]
    [InlineData("src/SchedulerDriver/Core")]
    public void PureComponents_ReferenceNoIoClockOrReplication(string folder)
    {
        var root = RepositoryRoot();
        var files = Directory.GetFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var offences = files.SelectMany(file => File.ReadAllLines(file)
                .Select((line, i) => (file, line, i))
                .Where(x => !x.line.TrimStart().StartsWith("///") && !x.line.TrimStart().StartsWith("//"))
                .SelectMany(x => Forbidden.Where(f => x.line.Contains(f, StringComparison.Ordinal))
                    .Select(f => $"{Path.GetFileName(x.file)}:{x.i + 1} uses {f}")))
            .ToArray();
        Assert.True(offences.Length == 0, string.Join("\n", offences));
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mesos.HA.sln"))) return dir.FullName;
        throw new InvalidOperationException("Mesos.HA.sln not found above the test directory");
    }
}
