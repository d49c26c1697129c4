using System.Text;
using Google.Protobuf;
using ExecutorProto = Mesos.HA.Protocol.Proto.V1.Executor;

namespace Mesos.HA.Protocol.Http.V1;

/// <summary>
/// The executor API's protobuf encoding as transcoding at the edge: JSON (<see cref="ExecutorCall"/>,
/// <see cref="ExecutorEvent"/>) stays the one form the code reads and writes, and protobuf bytes pass
/// through the generated messages (src/Protocol/Proto) to and from that JSON. The JSON made from
/// protobuf is proto3's JSON mapping with the proto field names: int64 come as strings, bytes as
/// base64, enums by name and absent fields left out; read it with <see cref="TolerantJson"/>.
/// Stateless and safe to call from any thread.
/// </summary>
public static class ExecutorProtobuf
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>A call's protobuf bytes as its JSON; false, with the reason, when the bytes are not a protobuf message.</summary>
    public static bool TryCallToJson(ReadOnlySpan<byte> protobuf, out byte[] json, out string error)
    {
        ExecutorProto.Call call;
        try
        {
            call = ExecutorProto.Call.Parser.ParseFrom(protobuf);
        }
        catch (InvalidProtocolBufferException e)
        {
            json = [];
            error = $"malformed protobuf: {e.Message}";
            return false;
        }
        json = Encoding.UTF8.GetBytes(Formatter.Format(call));
        error = "";
        return true;
    }

    /// <summary>The call in protobuf, as an executor sends it. Throws <see cref="InvalidProtocolBufferException"/> for a call that does not fit the schema (an unknown enum name).</summary>
    public static byte[] ToProtobuf(ExecutorCall call) => Parser.Parse<ExecutorProto.Call>(Text(ExecutorJsonContext.Write(call))).ToByteArray();

    /// <summary>
    /// The event in protobuf. Our events always fit the schema, so a failure here is a bug: it throws
    /// <see cref="InvalidProtocolBufferException"/> rather than sending the executor something else.
    /// </summary>
    public static byte[] ToProtobuf(ExecutorEvent e) => Parser.Parse<ExecutorProto.Event>(Text(ExecutorJsonContext.Write(e))).ToByteArray();

    /// <summary>An event's protobuf bytes as its JSON, for a client reading a protobuf stream. Throws <see cref="InvalidProtocolBufferException"/> on malformed bytes.</summary>
    public static byte[] EventToJson(ReadOnlySpan<byte> protobuf) => Encoding.UTF8.GetBytes(Formatter.Format(ExecutorProto.Event.Parser.ParseFrom(protobuf)));

    private static string Text(byte[] json) => Encoding.UTF8.GetString(json);
}
