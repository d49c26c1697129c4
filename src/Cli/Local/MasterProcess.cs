using Mesos.HA.Protocol;
using System.Net.Http.Json;
using Mesos.HA.Master;
using Mesos.HA.Protocol.Security;

namespace Mesos.HA.Cli.Local;

/// <summary>
/// One <c>mesos-ha master</c> child process on loopback. The child watches our PID and exits with
/// us; <see cref="Dispose"/> kills it too, so nothing outlives the caller even when it fails.
/// </summary>
public sealed class MasterProcess : IDisposable
{
    private static readonly HttpClient PlainHttp = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(2) };
    private readonly ChildProcess process;
    private readonly LocalSecurity? security;

    /// <param name="security">secure mode: the master runs with its flags (TLS, authentication, ACLs) and is asked over HTTPS as the operator.</param>
    public MasterProcess(int id, int raftPort, int httpPort, string dataDirectory, string logFile, string host = "127.0.0.1",
        IReadOnlyList<string>? launcher = null, LocalSecurity? security = null)
    {
        this.security = security;
        Http = security?.OperatorClient(TimeSpan.FromSeconds(2)) ?? PlainHttp;
        Id = id;
        RaftPort = raftPort;
        HttpPort = httpPort;
        Host = host;
        DataDirectory = dataDirectory;
        process = new ChildProcess(logFile, launcher ?? []);
    }

    /// <summary>The address the master binds and advertises (127.0.0.1 unless it runs in its own network namespace).</summary>
    public string Host { get; }

    public int Id { get; }
    public int RaftPort { get; }
    public int HttpPort { get; }
    public string DataDirectory { get; }
    public string LogFile => process.LogFile;
    /// <summary>Where the master answers DNS (on its own address); null: no DNS.</summary>
    public int? DnsPort { get; init; }

    public string? DnsAddress => DnsPort is { } port ? $"{Host}:{port}" : null;

    public string RaftAddress => $"{Host}:{RaftPort}";
    public string HttpAddress => $"{Host}:{HttpPort}";
    public int? Pid => process.Pid;
    public bool IsRunning => process.IsRunning;

    /// <summary>Starts the master as a member of <paramref name="peers"/>, or with <paramref name="join"/> as a new master for a running group (no peers needed).</summary>
    public void Start(IEnumerable<string> peers, IEnumerable<string> extraArgs, bool join = false)
    {
        if (IsRunning) throw new InvalidOperationException($"master {Id} is already running");
        var peerList = string.Join(',', peers);
        process.Start(new[] { "master", "--id", Id.ToString(), "--raft", RaftAddress, "--http", HttpAddress, "--data-dir", DataDirectory }
            .Concat(peerList.Length > 0 ? ["--peers", peerList] : [])
            .Concat(join ? ["--join"] : [])
            .Concat(DnsAddress is { } dns ? ["--dns", dns] : [])
            .Concat(security?.MasterArgs() ?? [])
            .Concat(extraArgs));
    }

    /// <summary>kill -9: no shutdown, no flush beyond what was already durable.</summary>
    public void Kill() => process.Kill();

    /// <summary>Sends SIGKILL without waiting for the process to end (several masters killed at the same instant); <see cref="Kill"/> reaps it.</summary>
    public void SendKill() => Signals.Send(Pid ?? throw new InvalidOperationException($"master {Id} is not running"), Signals.SigKill);

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
            return await Http.GetFromJsonAsync(Url("/health"), MasterJsonContext.Default.StatusDto, token);
        }
        catch (Exception e) when (NoAnswer.OrUnreadable(e))
        {
            return null;
        }
    }

    /// <summary>A client of plain masters (no redirects followed, 2 s timeout).</summary>
    public static HttpClient Client => PlainHttp;

    /// <summary>This master's client: plain, or in secure mode HTTPS as the operator.</summary>
    public HttpClient Http { get; }

    /// <summary>The URL of <paramref name="path"/> on this master (https in secure mode).</summary>
    public string Url(string path) => Https.Url(security?.Client, HttpAddress, path);

    public void Dispose()
    {
        process.Dispose();
        if (!ReferenceEquals(Http, PlainHttp)) Http.Dispose();
    }
}
