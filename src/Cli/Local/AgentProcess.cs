using Mesos.HA.Protocol;
using System.Net.Http.Json;
using Mesos.HA.Agent;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol.Security;

namespace Mesos.HA.Cli.Local;

/// <summary>
/// One <c>mesos-ha agent</c> child process on loopback. Its tasks outlive it by design (an agent
/// restart must not disturb them), so <see cref="Dispose"/> also kills every task process group
/// checkpointed under its work directory: nothing is left behind when the caller is done.
/// </summary>
public sealed class AgentProcess : IDisposable
{
    private static readonly HttpClient PlainHttp = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly ChildProcess process;
    private readonly IReadOnlyList<string> extraArgs;
    private readonly LocalSecurity? security;
    private readonly HttpClient http;

    /// <param name="security">secure mode: the agent runs with its certificate and credential, and is asked over HTTPS.</param>
    public AgentProcess(string name, int httpPort, string workDirectory, string logFile, IEnumerable<string> masters, IEnumerable<string>? extraArgs = null,
        LocalSecurity? security = null)
    {
        this.security = security;
        http = security is null ? PlainHttp : new HttpClient(Https.Handler(security.Client, new SocketsHttpHandler())) { Timeout = TimeSpan.FromSeconds(2) };
        Name = name;
        HttpPort = httpPort;
        WorkDirectory = workDirectory;
        Masters = [.. masters];
        this.extraArgs = [.. extraArgs ?? []];
        process = new ChildProcess(logFile);
    }

    public string Name { get; }
    public int HttpPort { get; }
    public string WorkDirectory { get; }
    public IReadOnlyList<string> Masters { get; }
    public string LogFile => process.LogFile;
    public bool IsRunning => process.IsRunning;
    public int? Pid => process.Pid;

    /// <summary>Starts the agent on 127.0.0.1, unless its extra arguments name another <c>--hostname</c> (then it binds every address).</summary>
    public void Start() => process.Start(new[]
    {
        "agent", "--masters", string.Join(',', Masters), "--work-dir", WorkDirectory,
        "--port", HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }.Concat(extraArgs.Contains("--hostname") ? [] : ["--hostname", "127.0.0.1"]).Concat(security?.AgentArgs() ?? []).Concat(extraArgs));

    /// <summary>kill -9 of the agent alone: its tasks keep running.</summary>
    public void Kill() => process.Kill();

    public async Task<AgentHealthDto?> TryHealthAsync(CancellationToken token = default) =>
        await TryGetAsync(Https.Url(security?.Client, $"127.0.0.1:{HttpPort}", "/health"), AgentJsonContext.Default.AgentHealthDto, token);

    public async Task<AgentTaskDto[]?> TryTasksAsync(CancellationToken token = default) =>
        await TryGetAsync(Https.Url(security?.Client, $"127.0.0.1:{HttpPort}", "/state"), AgentJsonContext.Default.AgentTaskDtoArray, token);

    private async Task<T?> TryGetAsync<T>(string url, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken token)
    {
        if (!IsRunning) return default;
        try
        {
            return await http.GetFromJsonAsync(url, type, token);
        }
        catch (Exception e) when (NoAnswer.OrUnreadable(e))
        {
            return default;
        }
    }

    /// <summary>The task processes checkpointed under the work directory (pid files), alive or not.</summary>
    public IReadOnlyList<TaskProcess> TaskProcesses() =>
        !Directory.Exists(Path.Combine(WorkDirectory, "meta")) ? []
            : [.. Directory.EnumerateFiles(Path.Combine(WorkDirectory, "meta"), "pid", SearchOption.AllDirectories)
                .Select(f => TaskProcess.Parse(File.ReadAllText(f))).OfType<TaskProcess>()];

    /// <summary>SIGKILL to every task process group of this agent that is still there.</summary>
    public void KillTasks()
    {
        foreach (var task in TaskProcesses())
            if (ProcessGroup.GroupAlive(task)) ProcessGroup.Signal(task, ProcessGroup.SigKill);
    }

    public void Dispose()
    {
        process.Dispose();
        KillTasks();
        if (!ReferenceEquals(http, PlainHttp)) http.Dispose();
    }
}
