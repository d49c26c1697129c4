namespace Mesos.HA.Simulation;

/// <summary>A process in the simulation: a master, an agent or a framework. A crash makes a new incarnation.</summary>
public abstract class SimNode(string name)
{
    public string Name { get; } = name;

    public bool Up { get; protected set; } = true;

    /// <summary>Until when the process is paused (SIGSTOP): its work waits (see <see cref="SimLoop.On"/>).</summary>
    public long PausedUntil { get; set; }

    /// <summary>Bumped by every crash: timers of an older incarnation find it changed and do nothing.</summary>
    public int Incarnation { get; protected set; }

    /// <summary>A message arrived on one of this node's connections.</summary>
    public abstract void Receive(SimConnection connection, object message);

    /// <summary>The peer closed the connection (or its process died); the connection is already closed.</summary>
    public abstract void Closed(SimConnection connection);
}

/// <summary>
/// One connection, as TCP gives it: messages each way arrive in order, or not at all once it closes.
/// While a partition cuts its ends apart, what is sent waits (as TCP retransmits) and arrives after
/// the heal, unless either end gives up and closes it first.
/// </summary>
public sealed class SimConnection(int id, SimNode opener, SimNode acceptor)
{
    public int Id { get; } = id;
    public SimNode Opener { get; } = opener;
    public SimNode Acceptor { get; } = acceptor;
    public bool Open { get; internal set; } = true;
    internal int OpenerIncarnation { get; } = opener.Incarnation;
    internal int AcceptorIncarnation { get; } = acceptor.Incarnation;
    internal long LastArrivalToOpener { get; set; }
    internal long LastArrivalToAcceptor { get; set; }
    internal List<(SimNode From, object Message)> Held { get; } = [];

    /// <summary>Set by a graceful close: what this end sent before it still arrives (data before the FIN, as TCP delivers it).</summary>
    internal SimNode? ClosedAfterSending { get; set; }

    public SimNode PeerOf(SimNode node) => node == Opener ? Acceptor : Opener;

    public override string ToString() => $"c{Id}({Opener.Name}>{Acceptor.Name})";
}

/// <summary>
/// The simulated network: latency with rare spikes, per-connection order, partitions that hold
/// messages until they heal, closes noticed by the peer, and (for the calls frameworks make, which
/// travel as separate requests) duplicates and reordering.
/// </summary>
public sealed class SimNetwork(SimLoop loop)
{
    // Pairs of nodes (names are unique), the one with the lower name first; nodes hash by reference.
    private readonly HashSet<(SimNode, SimNode)> cuts = [];
    private readonly List<SimConnection> connections = [];
    private readonly Dictionary<string, SimNode> nodes = new(StringComparer.Ordinal);
    private int nextId;

    /// <summary>Chance that a loose message (a framework's call) is delivered twice, as a retried request is.</summary>
    public double DuplicateChance { get; set; }

    /// <summary>Chance of a latency spike (up to 300 ms) on any message.</summary>
    public double SpikeChance { get; set; } = 0.01;

    public bool Cut(SimNode a, SimNode b) => cuts.Count > 0 && cuts.Contains(Key(a, b));

    private static (SimNode, SimNode) Key(SimNode a, SimNode b) => string.CompareOrdinal(a.Name, b.Name) < 0 ? (a, b) : (b, a);

    /// <summary>Cuts the link between two nodes both ways.</summary>
    public void Partition(SimNode a, SimNode b)
    {
        if (cuts.Add(Key(a, b))) loop.Record($"partition {a.Name}|{b.Name}");
    }

    /// <summary>Restores the link; what waited on open connections between them goes out, in order.</summary>
    public void Heal(SimNode a, SimNode b)
    {
        if (!cuts.Remove(Key(a, b))) return;
        loop.Record($"heal {a.Name}|{b.Name}");
        foreach (var c in connections.Where(c => c.Open && ((c.Opener == a && c.Acceptor == b) || (c.Opener == b && c.Acceptor == a))).ToArray())
        {
            var held = c.Held.ToArray();
            c.Held.Clear();
            foreach (var (from, message) in held) Send(c, from, message);
        }
    }

    public void HealAll()
    {
        foreach (var (a, b) in cuts.OrderBy(c => c.Item1.Name, StringComparer.Ordinal).ThenBy(c => c.Item2.Name, StringComparer.Ordinal).ToArray())
            Heal(a, b);
    }

    /// <summary>Every node takes part by name (partitions name their ends).</summary>
    public void Add(SimNode node) => nodes.Add(node.Name, node);

    /// <summary>Opens a connection. To a node that is down the opener hears a refusal (a close) after one latency.</summary>
    public SimConnection Connect(SimNode opener, SimNode acceptor)
    {
        var c = new SimConnection(++nextId, opener, acceptor);
        connections.Add(c);
        if (connections.Count > 4096) connections.RemoveAll(x => !x.Open);
        if (!acceptor.Up && !Cut(opener, acceptor)) Close(c, acceptor);
        return c;
    }

    /// <summary>Sends in order on the connection (dropped when it is closed).</summary>
    public void Send(SimConnection c, SimNode from, object message) => Deliver(c, from, message, ordered: true);

    /// <summary>Sends as an independent request over the connection's ends: may overtake earlier ones, and may arrive twice.</summary>
    public void SendLoose(SimConnection c, SimNode from, object message)
    {
        Deliver(c, from, message, ordered: false);
        if (DuplicateChance > 0 && loop.Chance(DuplicateChance))
        {
            loop.Record($"duplicate {from.Name} {message.GetType().Name}");
            Deliver(c, from, message, ordered: false);
        }
    }

    private void Deliver(SimConnection c, SimNode from, object message, bool ordered)
    {
        if (!c.Open) return;
        var to = c.PeerOf(from);
        if (Cut(from, to))
        {
            c.Held.Add((from, message));
            return;
        }
        var at = loop.NowMs + Latency();
        if (ordered)
        {
            if (to == c.Acceptor) c.LastArrivalToAcceptor = at = Math.Max(at, c.LastArrivalToAcceptor);
            else c.LastArrivalToOpener = at = Math.Max(at, c.LastArrivalToOpener);
        }
        var incarnation = to == c.Acceptor ? c.AcceptorIncarnation : c.OpenerIncarnation;
        loop.On(to, at - loop.NowMs, () =>
        {
            if ((!c.Open && c.ClosedAfterSending != from) || !to.Up || to.Incarnation != incarnation) return;
            loop.RecordDelivery(from, to, message);
            to.Receive(c, message);
        });
    }

    private int Latency() => loop.Chance(SpikeChance) ? loop.Between(50, 300) : loop.Between(1, 8);

    /// <summary>
    /// <paramref name="by"/> closes the connection: at once on its side; the peer notices after one
    /// latency unless a partition hides it (then only its own timeouts tell it). What <paramref name="by"/>
    /// sent before a graceful close still arrives, before the close is noticed (an answer followed by a
    /// close, as a 307 or a refusal is); a crash loses it.
    /// </summary>
    public void Close(SimConnection c, SimNode by) => Close(c, by, graceful: true);

    private void Close(SimConnection c, SimNode by, bool graceful)
    {
        if (!c.Open) return;
        c.Open = false;
        c.Held.Clear();
        var peer = c.PeerOf(by);
        if (Cut(by, peer)) return;
        if (graceful) c.ClosedAfterSending = by;
        var lastArrival = peer == c.Acceptor ? c.LastArrivalToAcceptor : c.LastArrivalToOpener;
        var incarnation = peer == c.Acceptor ? c.AcceptorIncarnation : c.OpenerIncarnation;
        loop.On(peer, Math.Max(Latency(), graceful ? lastArrival - loop.NowMs : 0), () =>
        {
            if (peer.Up && peer.Incarnation == incarnation) peer.Closed(c);
        });
    }

    /// <summary>A node died: every connection of its incarnation closes (peers hear of it unless cut off).</summary>
    public void Crashed(SimNode node)
    {
        foreach (var c in connections.Where(c => c.Open && (c.Opener == node || c.Acceptor == node)).ToArray()) Close(c, node, graceful: false);
    }
}
