using System.Diagnostics;
using System.Net.Http.Json;
using Mesos.HA.Master;

namespace Mesos.HA.Cli.Local;

/// <summary>
/// One <c>mesos-ha master</c> child process on loopback. The child watches our PID and exits with
/// us; <see cref="Dispose"/> kills it too, so nothing outlives the caller even when it fails.
/// </summary>
public sealed class MasterProcess : IDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(2) };
    private Process? process;
    private StreamWriter? log;

    public MasterProcess(int id, int raftPort, int httpPort, string dataDirectory, string logFile)
    {
        Id = id;
        RaftPort = raftPort;
        HttpPort = httpPort;
        DataDirectory = dataDirectory;
        LogFile = logFile;
    }

    public int Id { get; }
    public int RaftPort { get; }
    public int HttpPort { get; }
    public string DataDirectory { get; }
    public string LogFile { get; }
    public string RaftAddress => $"127.0.0.1:{RaftPort}";
    public string HttpAddress => $"127.0.0.1:{HttpPort}";
    public int? Pid => process is { HasExited: false } p ? p.Id : null;
    public bool IsRunning => process is { HasExited: false };

    public void Start(IEnumerable<string> peers, IEnumerable<string> extraArgs)
    {
        if (IsRunning) throw new InvalidOperationException($"master {Id} is already running");
        var cli = typeof(MasterProcess).Assembly.Location;
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     cli, "master", "--id", Id.ToString(), "--raft", RaftAddress, "--peers", string.Join(',', peers),
                     "--http", HttpAddress, "--data-dir", DataDirectory, "--parent-pid", Environment.ProcessId.ToString(),
                 }.Concat(extraArgs))
            info.ArgumentList.Add(arg);
        log ??= new StreamWriter(new FileStream(LogFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var started = Process.Start(info) ?? throw new InvalidOperationException("could not start the master process");
        var sink = log;
        started.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (sink) sink.WriteLine(e.Data); };
        started.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (sink) sink.WriteLine(e.Data); };
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
    }

    /// <summary>kill -9: no shutdown, no flush beyond what was already durable.</summary>
    public void Kill()
    {
        var p = process;
        if (p is null || p.HasExited) return;
        p.Kill();
        p.WaitForExit(10_000);
    }

    /// <summary>SIGSTOP, returning once the kernel reports the process stopped (a signal is delivered asynchronously).</summary>
    public void Pause()
    {
        var pid = Pid ?? throw new InvalidOperationException($"master {Id} is not running");
        Signals.Send(pid, Signals.SigStop);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (ProcessState(pid) != 'T')
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"master {Id} (pid {pid}) did not stop; state {ProcessState(pid)}");
            Thread.Sleep(1);
        }
    }

    /// <summary>The state letter from /proc/pid/stat (R, S, T, Z ...), or '?' when unknown.</summary>
    private static char ProcessState(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            return afterName > 0 && afterName + 2 < stat.Length ? stat[afterName + 2] : '?';
        }
        catch (IOException) { return '?'; }
    }

    public void Resume() => Signals.Send(Pid ?? throw new InvalidOperationException($"master {Id} is not running"), Signals.SigCont);

    /// <summary>This master's status, or null if it does not answer.</summary>
    public async Task<StatusDto?> TryStatusAsync(CancellationToken token = default)
    {
        if (!IsRunning) return null;
        try
        {
            return await Http.GetFromJsonAsync($"http://{HttpAddress}/health", MasterJsonContext.Default.StatusDto, token);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public static HttpClient Client => Http;

    public void Dispose()
    {
        try { process?.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { /* already exited */ }
        process?.Dispose();
        process = null;
        log?.Dispose();
        log = null;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
