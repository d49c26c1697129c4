using Mesos.HA.Cli.Local;

namespace Mesos.HA.Cli;

/// <summary>
/// <c>mesos-ha local</c>: a quorum of masters on 127.0.0.1 as child processes, for trying the
/// control plane on one machine. Prints the endpoints and every leader change; Ctrl-C stops
/// everything it started (the children also exit if this process dies).
/// </summary>
internal static class LocalCommand
{
    public static async Task<int> RunAsync(ArgReader args, CancellationToken token)
    {
        var masters = args.Int("masters", 3, 1, 7);
        var dataDir = args.Optional("data-dir");
        args.EnsureAllUsed();
        if (masters % 2 == 0) throw new UsageException("--masters must be odd (1, 3, 5 or 7)");
        var root = Path.GetFullPath(dataDir ?? Path.Combine(Path.GetTempPath(), "mesos-ha-local", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        using var group = new MasterGroup(masters, root);
        group.StartAll();
        Console.WriteLine($"data and logs: {root}");
        foreach (var m in group.Masters)
            Console.WriteLine($"master {m.Id}: http://{m.HttpAddress}  raft {m.RaftAddress}  log {m.LogFile}");
        string? lastLeader = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var leader = (await group.StatusesAsync(token)).FirstOrDefault(s => s.Status?.Role == "leader");
                var now = leader.Status is { } st ? $"master {leader.Master.Id} (term {st.Term})" : "none";
                if (now != lastLeader)
                {
                    Console.WriteLine($"{DateTime.Now:HH:mm:ss.fff} leader: {now}");
                    lastLeader = now;
                }
                var down = group.Masters.Where(m => !m.IsRunning).ToArray();
                foreach (var m in down)
                {
                    Console.WriteLine($"{DateTime.Now:HH:mm:ss.fff} master {m.Id} exited; restarting it");
                    group.Start(m);
                }
                await Task.Delay(100, token);
            }
        }
        catch (OperationCanceledException) { }
        Console.WriteLine("stopping the masters");
        return 0;
    }
}
