using System.Text.Json.Serialization;

namespace Mesos.HA.Agent.Files;

/// <summary>One entry of <c>/files/browse</c>, as Mesos writes it (mtime in seconds, mode as <c>-rw-r--r--</c>, owner names).</summary>
public sealed record FileEntryDto(string Path, long Nlink, long Size, long Mtime, string Mode, string Uid, string Gid);

/// <summary><c>/files/read</c>: the data read and the offset it was read from (the file's size for <c>offset=-1</c>).</summary>
public sealed record FileReadDto(string Data, long Offset);

/// <summary>A call of the agent's operator API (<c>POST /api/v1</c>); only the fields of the calls served here.</summary>
public sealed record AgentCallDto(string? Type, ListFilesCallDto? ListFiles, ReadFileCallDto? ReadFile);

public sealed record ListFilesCallDto(string? Path);

/// <summary>Mesos' <c>Call.ReadFile</c>: offset required, length optional (capped at <see cref="SandboxFiles.MaxReadBytes"/>).</summary>
public sealed record ReadFileCallDto(string? Path, long? Offset, long? Length);

/// <summary>A response of the agent's operator API, one member set per type (the others omitted).</summary>
public sealed record AgentResponseDto(string Type, ListFilesResponseDto? ListFiles = null, ReadFileResponseDto? ReadFile = null,
    GetHealthResponseDto? GetHealth = null);

public sealed record ListFilesResponseDto(V1FileInfoDto[] FileInfos);

/// <summary>Mesos v1 <c>FileInfo</c>: mode as the numeric <c>st_mode</c>, mtime as a <c>TimeInfo</c>.</summary>
public sealed record V1FileInfoDto(string Path, long Nlink, long Size, TimeInfoDto Mtime, uint Mode, string Uid, string Gid);

public sealed record TimeInfoDto(long Nanoseconds);

/// <summary>Mesos' <c>Response.ReadFile</c>: the file's size and the bytes read (base64 in JSON).</summary>
public sealed record ReadFileResponseDto(long Size, byte[] Data);

public sealed record GetHealthResponseDto(bool Healthy);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // protobuf's JSON mapping writes 64-bit numbers as strings; Mesos' own JSON writes numbers: take both.
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(FileEntryDto[]))]
[JsonSerializable(typeof(FileReadDto))]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(AgentCallDto))]
[JsonSerializable(typeof(AgentResponseDto))]
public sealed partial class FilesJsonContext : JsonSerializerContext;
