using System.Text.Json.Serialization;

namespace Mesos.HA.Master;

/// <summary>This master's view of the replication group, as <c>GET /health</c> reports it.</summary>
public sealed record StatusDto(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("http")] string Http,
    [property: JsonPropertyName("raft")] string Raft,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("term")] long Term,
    [property: JsonPropertyName("leader_raft")] string? LeaderRaft,
    [property: JsonPropertyName("leader_http")] string? LeaderHttp,
    [property: JsonPropertyName("applied_index")] long AppliedIndex,
    [property: JsonPropertyName("commit_index")] long CommitIndex,
    [property: JsonPropertyName("checkpoint_index")] long CheckpointIndex,
    [property: JsonPropertyName("snapshots_installed")] int SnapshotsInstalled,
    [property: JsonPropertyName("compactions")] int Compactions,
    [property: JsonPropertyName("raft_restarts")] int RaftRestarts,
    [property: JsonPropertyName("registry_digest")] string RegistryDigest,
    [property: JsonPropertyName("weights")] int Weights,
    [property: JsonPropertyName("voting")] bool Voting = true,
    [property: JsonPropertyName("standby")] bool Standby = false,
    [property: JsonPropertyName("members")] string[]? Members = null,
    [property: JsonPropertyName("state_reinstalls")] int StateReinstalls = 0);

/// <summary>One master of the Raft configuration in <c>GET /master/members</c>.</summary>
public sealed record MemberDto(
    [property: JsonPropertyName("raft")] string Raft,
    [property: JsonPropertyName("leader")] bool Leader,
    [property: JsonPropertyName("status")] string Status);

/// <summary><c>GET /master/members</c> (the leader's configuration) and the answer to a change.</summary>
public sealed record MembersDto(
    [property: JsonPropertyName("members")] MemberDto[] Members,
    [property: JsonPropertyName("message")] string? Message = null);

/// <summary>The answer to <c>POST /master/step-down</c>.</summary>
public sealed record StepDownDto(
    [property: JsonPropertyName("resigned")] string Resigned,
    [property: JsonPropertyName("term")] long Term);

/// <summary>One role's weight in <c>/master/weights</c> (the Mesos shape).</summary>
public sealed record WeightDto(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("weight")] double Weight);

/// <summary>What <c>POST /bench/replication</c> measured inside the leader.</summary>
public sealed record ReplicationBenchDto(
    [property: JsonPropertyName("writers")] int Writers,
    [property: JsonPropertyName("ops")] long Ops,
    [property: JsonPropertyName("errors")] long Errors,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("ops_per_sec")] double OpsPerSec,
    [property: JsonPropertyName("p50_ms")] double P50Ms,
    [property: JsonPropertyName("p99_ms")] double P99Ms,
    [property: JsonPropertyName("command_bytes")] int CommandBytes);

[JsonSerializable(typeof(StatusDto))]
[JsonSerializable(typeof(WeightDto[]))]
[JsonSerializable(typeof(ReplicationBenchDto))]
[JsonSerializable(typeof(ErrorDto))]
[JsonSerializable(typeof(MembersDto))]
[JsonSerializable(typeof(Dns.DnsTask[]))]
[JsonSerializable(typeof(StepDownDto))]
public sealed partial class MasterJsonContext : JsonSerializerContext;

/// <summary>A readable error body.</summary>
public sealed record ErrorDto([property: JsonPropertyName("error")] string Error);
