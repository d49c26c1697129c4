using System.Text;
using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using UpdateDetails = Mesos.HA.Protocol.Agent.UpdateDetails;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Tests.Transcripts;

/// <summary>
/// Runs transcript commands against one <see cref="MasterCore"/>: each command becomes a
/// <see cref="MasterInput"/> at the transcript's clock, and the effects are rendered one per line.
/// Registry writes the core proposes wait in order for <c>commit</c> or <c>refuse &lt;reason&gt;</c>.
/// </summary>
internal sealed class CoreDriver
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
    private readonly MasterCore core = new(new MasterCoreOptions { OfferIdPrefix = "t1" });
    private readonly Queue<RegistryCommand> proposed = new();
    private readonly Dictionary<Guid, int> uuids = new();
    private DateTimeOffset now = T0;

    public IReadOnlyList<string> Run(string command)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var options = words.Skip(1).Where(w => w.Contains('=')).Select(w => w.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var args = words.Skip(1).Where(w => !w.Contains('=')).ToArray();
        if (words[0] == "advance")
        {
            now += TimeSpan.FromSeconds(double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture));
            return [];
        }
        if (words[0] == "view") return View();
        var input = Input(words[0], args, options, command);
        var effects = core.Handle(input, now);
        foreach (var write in effects.OfType<ProposeRegistry>()) proposed.Enqueue(write.Command);
        return [.. effects.SelectMany(Render)];
    }

    private MasterInput Input(string verb, string[] args, Dictionary<string, string> options, string line) => verb switch
    {
        "start-leading" => new LeadershipStarted(
            [.. List(options, "agents").Select(a => new AgentId(a))],
            TimeSpan.FromSeconds(int.Parse(options.GetValueOrDefault("window", "60"))),
            [.. List(options, "frameworks").Select(f => f.Split('/')).Select(f => new RecoveredFramework(new FrameworkId(f[0]), [f[1]],
                PartitionAware: f.Contains("pa"), TimeSpan.FromSeconds(60), DisconnectedAt: null))]),
        "tick" => new Tick(List(options, "weights").Select(w => w.Split(':')).ToDictionary(w => w[0], w => double.Parse(w[1])),
            new Dictionary<string, RoleQuota>()),
        "register-agent" => new AgentRegistering(Agent(args[0], args[1])),
        "reregister-agent" => new AgentReregistering(Agent(args[0], args[1]),
            [.. List(options, "tasks").Select(t => t.Split('/')).Select(t => new ReportedTask(new TaskId(t[1]), new FrameworkId(t[0]), t[2],
                ResourceText.Parse(t[4]), Enum.Parse<TaskState>(t[3], ignoreCase: true)))],
            InRegistry: !args.Contains("not-in-registry"), WasUnreachable: args.Contains("unreachable"))
        {
            // framework/role/id/command/resources
            Executors = [.. List(options, "executors").Select(e => e.Split('/', 3)).Select(e => new ReportedExecutor(new FrameworkId(e[0]), e[1], Executor(e[2])))],
        },
        "heartbeat" => new AgentHeartbeat(new AgentId(args[0])),
        "update" => new AgentStatusUpdate(new AgentId(args[0]), new FrameworkId(args[1]), new TaskId(args[2]),
            Enum.Parse<TaskState>(args[3], ignoreCase: true), Uuid(int.Parse(options["uuid"])), options.GetValueOrDefault("message", ""))
        {
            Reason = options.GetValueOrDefault("reason", ""),
            Details = options.ContainsKey("executor") || options.ContainsKey("healthy") || options.ContainsKey("source")
                ? new UpdateDetails(options.GetValueOrDefault("executor"), options.TryGetValue("healthy", out var healthy) ? bool.Parse(healthy) : null,
                    null, options.GetValueOrDefault("source"))
                : null,
        },
        "executor-message" => new ExecutorMessageReceived(new AgentId(args[0]), new FrameworkId(args[1]), args[2], Encoding.UTF8.GetBytes(options["data"])),
        "executor-exited" => new ExecutorTerminated(new AgentId(args[0]), new FrameworkId(args[1]), args[2], int.Parse(options["status"])),
        "shutdown" => new ShutdownExecutorCall(new FrameworkId(args[0]), args[1], args.Length > 2 ? new AgentId(args[2]) : null),
        "subscribe" => new SubscribeFramework(new FrameworkId(args[0]),
            new FrameworkInfo("fw", "root", List(options, "roles"), args.Contains("partition-aware") ? ["PARTITION_AWARE"] : [], null, null, null),
            TimeSpan.FromSeconds(int.Parse(options.GetValueOrDefault("failover", "60"))), Known: args.Contains("known")),
        "disconnect" => new FrameworkDisconnected(new FrameworkId(args[0])),
        "teardown" => new TeardownFramework(new FrameworkId(args[0])),
        "accept" => new AcceptOffers(new FrameworkId(args[0]), [.. List(options, "offers").Select(o => new OfferId(o))],
            [.. options.GetValueOrDefault("launch", "").Split('|', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2))
                .Select(l => Launch(l[0], l[1]))],
            Refuse(options)),
        "decline" => new DeclineOffers(new FrameworkId(args[0]), [.. List(options, "offers").Select(o => new OfferId(o))], Refuse(options)),
        "revive" => new ReviveOffers(new FrameworkId(args[0]), [.. args.Skip(1)]),
        "suppress" => new SuppressOffers(new FrameworkId(args[0]), [.. args.Skip(1)]),
        "kill" => new KillTaskCall(new FrameworkId(args[0]), new TaskId(args[1])),
        "ack" => new UpdateAcknowledged(new FrameworkId(args[0]), new AgentId(args[1]), new TaskId(args[2]), Uuid(int.Parse(options["uuid"]))),
        "reconcile" => new ReconcileTasks(new FrameworkId(args[0]),
            [.. args.Skip(1).Select(q => q.Split('@')).Select(q => (new TaskId(q[0]), q.Length > 1 ? new AgentId(q[1]) : (AgentId?)null))]),
        "commit" => new RegistryWriteCommitted(NextProposal(line)),
        "refuse" => new RegistryWriteRefused(NextProposal(line), string.Join(' ', args)),
        _ => throw new FormatException($"unknown command '{line}'"),
    };

    /// <summary><c>id=resources</c> runs <c>true</c> in the command executor; <c>id=resources@executor/command/resources</c> in a custom one.</summary>
    private static TaskLaunch Launch(string id, string spec)
    {
        var parts = spec.Split('@', 2);
        return parts.Length == 1
            ? new TaskLaunch(new TaskId(id), id, ResourceText.Parse(spec), "true")
            : new TaskLaunch(new TaskId(id), id, ResourceText.Parse(parts[0]), "") { Executor = Executor(parts[1]) };
    }

    /// <summary><c>id/command/resources</c>.</summary>
    private static ExecutorLaunch Executor(string spec)
    {
        var e = spec.Split('/', 3);
        return new ExecutorLaunch(e[0], e[0], e[1], ResourceText.Parse(e[2]));
    }

    /// <summary>What each agent and framework uses (live tasks and executors), as the state endpoint shows it.</summary>
    private IReadOnlyList<string> View()
    {
        var view = core.View();
        return [.. view.Agents.Select(a => $"agent {a.Id.Value} used={a.Used} offered={a.Offered}"),
            .. view.Frameworks.Select(f => $"framework {f.Id.Value} used={f.Used} offered={f.Offered}"),
            .. core.Executors.OrderBy(e => e.Agent.Value, StringComparer.Ordinal).ThenBy(e => e.Executor.Id, StringComparer.Ordinal)
                .Select(e => $"executor {e.Agent.Value} {e.Framework.Value} {e.Executor.Id} {e.Role} {e.Executor.Resources}")];
    }

    private RegistryCommand NextProposal(string line) =>
        proposed.TryDequeue(out var command) ? command : throw new FormatException($"'{line}': no registry write is waiting");

    private static IReadOnlyList<string> List(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) ? value.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];

    private static TimeSpan? Refuse(Dictionary<string, string> options) =>
        options.TryGetValue("refuse", out var seconds) ? TimeSpan.FromSeconds(double.Parse(seconds)) : null;

    private static AgentInfo Agent(string id, string resources) =>
        new(new AgentId(id), "host-" + id, "10.0.0.1:5051", resources, new Dictionary<string, string>());

    private Guid Uuid(int n)
    {
        var uuid = new Guid(n, 0, 0, new byte[8]);
        uuids[uuid] = n;
        return uuid;
    }

    private string UuidText(Guid uuid) => uuids.TryGetValue(uuid, out var n) ? n.ToString() : uuid.ToString();

    private IEnumerable<string> Render(Effect effect) => effect switch
    {
        SendOffers s => s.Offers.Select(o => $"offer {o.Framework.Value} {o.Id.Value} {o.Agent.Value} {o.Role} {o.Resources}"),
        RescindOffer r => [$"rescind {r.Framework.Value} {r.Offer.Value}"],
        LaunchTask { Task.Executor: { } e } l => [$"launch {l.Agent.Value} {l.Framework.Value} {l.Task.Id.Value} {l.Role} {l.Task.Resources} executor={e.Id}"],
        LaunchTask l => [$"launch {l.Agent.Value} {l.Framework.Value} {l.Task.Id.Value} {l.Role} {l.Task.Resources}"],
        SendUpdate u => [$"update {u.Framework.Value} {u.Task.Value} {u.State.MesosName()} {u.Reason} \"{u.Message}\""],
        ForwardUpdate f => [$"forward {f.Framework.Value} {f.Agent.Value} {f.Task.Value} {f.State.MesosName()} uuid={UuidText(f.Uuid)}{Extras(f)}"],
        ForwardAcknowledgement a => [$"acknowledge {a.Agent.Value} {a.Framework.Value} {a.Task.Value} uuid={UuidText(a.Uuid)}"],
        KillTask k => [$"kill {k.Agent.Value} {k.Framework.Value} {k.Task.Value}"],
        ProposeRegistry p => [$"propose {Describe(p.Command)}"],
        CallRejected c => [$"rejected {c.Framework.Value} \"{c.Message}\""],
        AgentLost a => [$"agent-lost {a.Agent.Value}"],
        AgentRegistrationRefused r => [$"agent-refused {r.Agent.Value} \"{r.Reason}\""],
        AgentOvercommitted o => [$"overcommitted {o.Agent.Value} total={o.Total} held={o.Held}"],
        SendExecutorMessage m => [$"message {m.Agent.Value} {m.Framework.Value} {m.Executor}"],
        SendFrameworkMessage m => [$"framework-message {m.Framework.Value} {m.Agent.Value} {m.Executor} \"{Encoding.UTF8.GetString(m.Data)}\""],
        ExecutorLost e => [$"executor-lost {e.Framework.Value} {e.Agent.Value} {e.Executor} status={e.Status}"],
        StopExecutor s => [$"shutdown-executor {s.Agent.Value} {s.Framework.Value} {s.Executor}"],
        AllocationWanted => ["allocation-wanted"],
        _ => [effect.ToString()],
    };

    private static string Extras(ForwardUpdate f) =>
        (f.Reason.Length > 0 ? $" reason={f.Reason}" : "")
        + (f.Details?.Executor is { } executor ? $" executor={executor}" : "")
        + (f.Details?.Healthy is { } healthy ? $" healthy={healthy}" : "")
        + (f.Details?.Source is { } source ? $" source={source}" : "");

    private static string Describe(RegistryCommand command) => command switch
    {
        AdmitAgent a => $"admit-agent {a.Info.Id.Value}",
        ReadmitAgent r => $"readmit-agent {r.Info.Id.Value}",
        MarkAgentUnreachable u => $"mark-unreachable {u.AgentId.Value}",
        MarkAgentGone g => $"mark-gone {g.AgentId.Value}",
        AddFramework f => $"add-framework {f.Id.Value} failover={f.FailoverTimeoutMs / 1000}s",
        UpdateFramework u => $"update-framework {u.Id.Value} {u.Connection.ToString().ToLowerInvariant()}",
        RemoveFramework r => $"remove-framework {r.Id.Value}",
        _ => command.GetType().Name,
    };
}
