using Mesos.HA.Protocol;
using Mesos.HA.Cli.Local;
using Mesos.HA.Master;
using Xunit.Abstractions;

namespace Mesos.HA.Replication.Tests;

/// <summary>
/// A group of real master processes for one test, with helpers that poll with deadlines and say
/// what they saw when they give up. Disposing kills every process and, if the test passed, deletes
/// the data; on failure the master logs are written to the test output.
/// </summary>
internal sealed class GroupHarness : IDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper output;

    public GroupHarness(int size, ITestOutputHelper output, params string[] extraArgs)
    {
        this.output = output;
        var root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "group-" + Guid.NewGuid().ToString("N")[..12]);
        var level = Environment.GetEnvironmentVariable("MESOS_HA_TEST_LOG_LEVEL") ?? "Information";
        Group = new MasterGroup(size, root, ["--log-level", level, .. extraArgs]);
        Group.StartAll();
    }

    public MasterGroup Group { get; }
    public IReadOnlyList<MasterProcess> Masters => Group.Masters;

    public Task<MasterProcess> LeaderAsync() => Group.WaitForLeaderAsync(Deadline);

    /// <summary>Writes one weight through whoever leads, retrying through failovers until it is acknowledged.</summary>
    public async Task WriteAsync(string role, double weight)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var last = 0;
        while (DateTime.UtcNow < deadline)
        {
            var leader = await LeaderAsync();
            last = await MasterGroup.TryWriteWeightAsync(leader, role, weight, TimeSpan.FromSeconds(5));
            if (last == 200) return;
            await Task.Delay(20);
        }
        throw new TimeoutException($"write of {role}={weight} not acknowledged within {Deadline}; last status {last}");
    }

    public async Task WriteManyAsync(string prefix, int count, double weight = 2)
    {
        for (var i = 0; i < count; i++) await WriteAsync($"{prefix}{i}", weight);
    }

    /// <summary>The weights as the leader reads them linearizably.</summary>
    public async Task<Dictionary<string, double>> ReadAsync()
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            var leader = await LeaderAsync();
            if (await MasterGroup.TryReadWeightsAsync(leader) is { } weights)
                return weights.ToDictionary(w => w.Role, w => w.Weight);
            await Task.Delay(20);
        }
        throw new TimeoutException("no linearizable read succeeded");
    }

    /// <summary>Each running master's own applied copy of the weights (for diagnosing divergence).</summary>
    public async Task<string> DescribeLocalCopiesAsync()
    {
        var parts = new List<string>();
        foreach (var m in Masters.Where(m => m.IsRunning))
        {
            try
            {
                var text = await MasterProcess.Client.GetStringAsync($"http://{m.HttpAddress}/master/weights?local=true");
                parts.Add($"m{m.Id}: {text}");
            }
            catch (Exception e) when (NoAnswer.Is(e))
            {
                parts.Add($"m{m.Id}: {e.Message}");
            }
        }
        return string.Join("\n", parts);
    }

    public async Task<StatusDto> StatusAsync(MasterProcess master) =>
        await master.TryStatusAsync() ?? throw new InvalidOperationException($"master {master.Id} does not answer");

    /// <summary>Waits until every running master applied everything the leader committed and all hold the same registry.</summary>
    public async Task<string> ConvergeAsync()
    {
        var leader = await LeaderAsync();
        var status = await StatusAsync(leader);
        try
        {
            return await Group.WaitForConvergenceAsync(status.CommitIndex, Deadline);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\nlocal copies:\n" + await DescribeLocalCopiesAsync(), e);
        }
    }

    public async Task<T> PollAsync<T>(string phase, Func<Task<T?>> probe, TimeSpan? timeout = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? Deadline);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value) return value;
            await Task.Delay(20);
        }
        var statuses = await Group.StatusesAsync();
        throw new TimeoutException($"{phase}: gave up after {timeout ?? Deadline}; masters: " + string.Join("; ",
            statuses.Select(s => s.Status is { } st ? $"m{s.Master.Id} {st.Role} term {st.Term} leader {st.LeaderRaft} applied {st.AppliedIndex}" : $"m{s.Master.Id} silent")));
    }

    public void Dispose()
    {
        Group.Dispose();
        foreach (var m in Masters)
        {
            if (!File.Exists(m.LogFile)) continue;
            var lines = File.ReadAllLines(m.LogFile);
            output.WriteLine($"--- master {m.Id} log ({lines.Length} lines, last 40)");
            foreach (var line in lines.TakeLast(40)) output.WriteLine(line.Length > 400 ? line[..400] + " ..." : line);
        }
        if (Environment.GetEnvironmentVariable("MESOS_HA_KEEP_TEST_DATA") == "1") { output.WriteLine($"kept {Group.Root}"); return; }
        try { Directory.Delete(Group.Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
