using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Mesos.HA.Master.Dns;

/// <summary>What to answer to one question; the shell copies it into the response message.</summary>
public sealed record DnsAnswer(ReturnCode Code, IReadOnlyList<DnsRecordBase> Answers, IReadOnlyList<DnsRecordBase> Additional, bool Authoritative)
{
    /// <summary>The zone's SOA goes in the authority section of negative answers (NXDOMAIN, no data), for negative caching.</summary>
    public bool Negative => Code == ReturnCode.NxDomain || (Code == ReturnCode.NoError && Answers.Count == 0);
}

/// <summary>
/// The masters' DNS, as a pure function of one question and what the master knows (<see cref="DnsView"/>):
/// <list type="bullet">
/// <item><c>leader.mesos</c> A, <c>_leader._tcp.mesos</c> SRV (the leader's HTTP port); SERVFAIL while no leader is known, so a resolver asks the next master;</item>
/// <item><c>master.mesos</c> A: every master;</item>
/// <item><c>&lt;task&gt;.&lt;framework&gt;.mesos</c> (and <c>...slave.mesos</c>) A: the agents running it; <c>_&lt;task&gt;._tcp|_udp.&lt;framework&gt;.mesos</c> SRV: one per port
/// each instance holds, pointing at <c>&lt;task&gt;-&lt;id&gt;.&lt;framework&gt;.slave.mesos</c>;</item>
/// <item>NXDOMAIN for other names in the zone, REFUSED outside it (no recursion), no data for other types.</item>
/// </list>
/// Answers are bounded (<see cref="MaxRecords"/>) and short-lived (<see cref="LeaderTtl"/>, <see cref="Ttl"/>).
/// </summary>
public static class DnsAnswers
{
    /// <summary>Seconds a resolver may keep <c>leader.mesos</c>: a leader change must show within a second.</summary>
    public const int LeaderTtl = 1;

    /// <summary>Seconds a resolver may keep any other answer (and a negative one).</summary>
    public const int Ttl = 5;

    /// <summary>At most this many records in one answer section (a task with more instances or ports is answered in part).</summary>
    public const int MaxRecords = 64;

    private static readonly DomainName Zone = DomainName.Parse(DnsNames.Domain);
    private static readonly DomainName Leader = DomainName.Parse("leader." + DnsNames.Domain);
    private static readonly DomainName LeaderTcp = DomainName.Parse("_leader._tcp." + DnsNames.Domain);
    private static readonly DomainName Master = DomainName.Parse("master." + DnsNames.Domain);
    private static readonly DomainName NameServer = DomainName.Parse("ns1." + DnsNames.Domain);

    /// <summary>The zone's SOA record (serial 1: the zone is computed, not transferred).</summary>
    public static readonly SoaRecord Soa = new(Zone, Ttl, NameServer, DomainName.Parse("root.ns1." + DnsNames.Domain), 1, 60, 10, 300, Ttl);

    public static DnsAnswer Answer(DnsQuestion question, DnsView view)
    {
        if (question.RecordClass is not (RecordClass.INet or RecordClass.Any)) return Refused;
        var name = question.Name;
        if (!name.IsEqualOrSubDomainOf(Zone)) return Refused;
        var type = question.RecordType;
        if (name.Equals(Zone, ignoreCase: true))
            return type is RecordType.Soa or RecordType.Any ? new(ReturnCode.NoError, [Soa], [], true) : NoData(true);
        if (name.Equals(Leader, ignoreCase: true))
            return view.Leader is not { } leader ? ServerFailure
                : Wants(type, RecordType.A) ? new(ReturnCode.NoError, [new ARecord(Leader, LeaderTtl, leader.Address)], [], true) : NoData(true);
        if (name.Equals(LeaderTcp, ignoreCase: true))
            return view.Leader is not { } leader ? ServerFailure
                : Wants(type, RecordType.Srv) ? new(ReturnCode.NoError, [new SrvRecord(LeaderTcp, LeaderTtl, 0, 0, (ushort)leader.HttpPort, Leader)],
                    [new ARecord(Leader, LeaderTtl, leader.Address)], true)
                : NoData(true);
        if (name.Equals(Master, ignoreCase: true))
            return Wants(type, RecordType.A)
                ? new(ReturnCode.NoError, [.. view.Masters.Distinct().Take(MaxRecords).Select(a => new ARecord(Master, Ttl, a))], [], true)
                : NoData(true);
        return TaskAnswer(name, type, view);
    }

    private static DnsAnswer TaskAnswer(DomainName name, RecordType type, DnsView view)
    {
        var labels = name.Labels.Select(l => l.ToLowerInvariant()).ToArray(); // ends with "mesos"
        if (!view.TasksKnown) return ServerFailure;
        var authoritative = view.TasksAuthoritative;
        // _<task>._tcp.<framework>.mesos and _udp: SRV, one per port of each instance.
        if (labels.Length == 4 && labels[0].StartsWith('_') && labels[1] is "_tcp" or "_udp")
        {
            var instances = view.Tasks.Named($"{labels[0][1..]}.{labels[2]}");
            if (instances.Count == 0) return NxDomain(authoritative);
            if (!Wants(type, RecordType.Srv)) return NoData(authoritative);
            var answers = new List<DnsRecordBase>();
            var additional = new List<DnsRecordBase>();
            foreach (var instance in instances)
            {
                var target = InstanceName(instance);
                foreach (var port in instance.Ports)
                    answers.Add(new SrvRecord(name, Ttl, 0, 0, (ushort)port, target));
                if (instance.Ports.Count > 0) additional.Add(new ARecord(target, Ttl, instance.Address));
            }
            return new(ReturnCode.NoError, [.. answers.Take(MaxRecords)], [.. additional.Take(MaxRecords)], authoritative);
        }
        // <task>.<framework>.mesos, <task>.<framework>.slave.mesos: every agent running it;
        // <task>-<id>.<framework>.slave.mesos: one instance's agent (the SRV records' targets).
        if (labels.Length is 3 or 4 && (labels.Length == 3 || labels[2] == "slave"))
        {
            var key = $"{labels[0]}.{labels[1]}";
            IReadOnlyList<IPAddress> addresses = view.Tasks.Named(key) is { Count: > 0 } all
                ? [.. all.Select(i => i.Address).Distinct()]
                : labels.Length == 4 && view.Tasks.Find(key) is { } one ? [one.Address] : [];
            if (addresses.Count == 0) return NxDomain(authoritative);
            return Wants(type, RecordType.A)
                ? new(ReturnCode.NoError, [.. addresses.Take(MaxRecords).Select(a => new ARecord(name, Ttl, a))], [], authoritative)
                : NoData(authoritative);
        }
        return NxDomain(authoritative);
    }

    private static DomainName InstanceName(DnsZone.Instance instance) => DomainName.Parse($"{instance.Host}.slave.{DnsNames.Domain}");

    private static bool Wants(RecordType asked, RecordType served) => asked == served || asked == RecordType.Any;

    private static readonly DnsAnswer Refused = new(ReturnCode.Refused, [], [], false);
    private static readonly DnsAnswer ServerFailure = new(ReturnCode.ServerFailure, [], [], false);
    private static DnsAnswer NxDomain(bool authoritative) => new(ReturnCode.NxDomain, [], [], authoritative);
    private static DnsAnswer NoData(bool authoritative) => new(ReturnCode.NoError, [], [], authoritative);
}
