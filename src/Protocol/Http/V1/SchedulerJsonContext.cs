using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesos.HA.Protocol.Http.V1;

/// <summary>
/// The source-generated serializer of the scheduler API's JSON, shared by the master and the
/// driver. Absent (null) fields are not written. Named floating-point literals are read so that
/// <see cref="TolerantJson"/> can hand over a number that is present but unreadable as NaN.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(Event))]
[JsonSerializable(typeof(Call))]
public sealed partial class SchedulerJsonContext : JsonSerializerContext
{
    /// <summary>The event as the master sends it: UTF-8 JSON, one RecordIO record.</summary>
    public static byte[] Write(Event e) => JsonSerializer.SerializeToUtf8Bytes(e, Default.Event);

    /// <summary>The call as a client sends it.</summary>
    public static byte[] Write(Call call) => JsonSerializer.SerializeToUtf8Bytes(call, Default.Call);
}
