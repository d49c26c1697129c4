using Mesos.HA.Replication;

namespace Mesos.HA.Master;

/// <summary>Everything one master process needs: its id, its HTTP endpoint and its place in the Raft group.</summary>
public sealed record MasterOptions
{
    public required int Id { get; init; }
    public required string HttpHost { get; init; }
    public required int HttpPort { get; init; }
    public required ReplicationOptions Replication { get; init; }

    public LeaderShellOptions Leader { get; init; } = new();

    public Scheduler.SchedulerApiOptions SchedulerApi { get; init; } = new();

    /// <summary>Serves <c>POST /bench/replication</c>, which runs load inside the leader. Off in production.</summary>
    public bool EnableBenchEndpoints { get; init; }

    /// <summary>A follower proxies what only the leader answers to the leader (<c>--forward-to-leader</c>) instead of answering 307, as Mesos does by default.</summary>
    public bool ForwardToLeader { get; init; }

    /// <summary>HTTP Basic authentication per realm (the master's <c>--credentials</c> and <c>--authenticate-*</c> flags); none by default.</summary>
    public Security.HttpAuthenticationOptions Authentication { get; init; } = new();

    /// <summary>HTTPS on every endpoint and mutual TLS between masters (<c>--tls-*</c>); plain HTTP and TCP when null.</summary>
    public Protocol.Security.TlsIdentity? Tls => Replication.Tls;

    /// <summary>Where this master answers DNS (<c>leader.mesos</c>, <c>master.mesos</c>, task names; UDP and TCP); off when null.</summary>
    public System.Net.IPEndPoint? Dns { get; init; }

    /// <summary>Who may do what (<c>--acls</c>); everything is allowed without them.</summary>
    public Protocol.Security.Acls Acls { get; init; } = Protocol.Security.Acls.AllowAll;
}
