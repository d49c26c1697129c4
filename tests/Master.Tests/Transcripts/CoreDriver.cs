using Mesos.HA.Master.Allocation;
using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
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
            InRegistry: !args.Contains("not-in-registry"), WasUnreachable: args.Contains("unreachable")),
        "heartbeat" => new AgentHeartbeat(new AgentId(args[0])),
        "update" => new AgentStatusUpdate(new AgentId(args[0]), new FrameworkId(args[1]), new TaskId(args[2]),
            Enum.Parse<TaskState>(args[3], ignoreCase: true), Uuid(int.Parse(options["uuid"])), options.GetValueOrDefault("message", "")),
        "subscribe" => new SubscribeFramework(new FrameworkId(args[0]),
            new FrameworkInfo("fw", "root", List(options, "roles"), args.Contains("partition-aware") ? ["PARTITION_AWARE"] : [], null, null, null),
            TimeSpan.FromSeconds(int.Parse(options.GetValueOrDefault("failover", "60"))), Known: args.Contains("known")),
        "disconnect" => new FrameworkDisconnected(new FrameworkId(args[0])),
        "teardown" => new TeardownFramework(new FrameworkId(args[0])),
        "accept" => new AcceptOffers(new FrameworkId(args[0]), [.. List(options, "offers").Select(o => new OfferId(o))],
            [.. options.GetValueOrDefault("launch", "").Split('|', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2))
                .Select(l => new TaskLaunch(new TaskId(l[0]), l[0], ResourceText.Parse(l[1]), "true"))],
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
        LaunchTask l => [$"launch {l.Agent.Value} {l.Framework.Value} {l.Task.Id.Value} {l.Role} {l.Task.Resources}"],
        SendUpdate u => [$"update {u.Framework.Value} {u.Task.Value} {u.State.MesosName()} {u.Reason} \"{u.Message}\""],
        ForwardUpdate f => [$"forward {f.Framework.Value} {f.Agent.Value} {f.Task.Value} {f.State.MesosName()} uuid={UuidText(f.Uuid)}"],
        ForwardAcknowledgement a => [$"acknowledge {a.Agent.Value} {a.Framework.Value} {a.Task.Value} uuid={UuidText(a.Uuid)}"],
        KillTask k => [$"kill {k.Agent.Value} {k.Framework.Value} {k.Task.Value}"],
        ProposeRegistry p => [$"propose {Describe(p.Command)}"],
        CallRejected c => [$"rejected {c.Framework.Value} \"{c.Message}\""],
        AgentLost a => [$"agent-lost {a.Agent.Value}"],
        AgentRegistrationRefused r => [$"agent-refused {r.Agent.Value} \"{r.Reason}\""],
        AgentOvercommitted o => [$"overcommitted {o.Agent.Value} total={o.Total} held={o.Held}"],
        SendExecutorMessage m => [$"message {m.Agent.Value} {m.Framework.Value} {m.Executor}"],
        AllocationWanted => ["allocation-wanted"],
        _ => [effect.ToString()],
    };

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
