using System.Buffers;
using System.Text;
using System.Text.Json;
using Mesos.HA.Agent.Executors;
using Mesos.HA.Master.Http;
using Mesos.HA.Master.Operator.V1;
using Mesos.HA.Master.Scheduler;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Http.V1;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using Mesos.HA.Protocol.Security;

namespace Mesos.HA.Fuzz;

/// <summary>
/// One fuzz target per parser of untrusted bytes. Each takes the parser's documented refusal (its false
/// result with a message, or its own exception type) as an answer; any other exception, and a refusal
/// without a message, escapes so afl-fuzz records a crash.
/// </summary>
internal static class Targets
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new SortedDictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["scheduler-json"] = SchedulerJson,
        ["api-msgpack"] = ApiMessagePack,
        ["operator-json"] = OperatorJson,
        ["maintenance-json"] = MaintenanceSchedule,
        ["executor-json"] = ExecutorCallJson,
        ["executor-protobuf"] = ExecutorCallProtobuf,
        ["frame-codec"] = AgentFrames,
        ["recordio"] = RecordIOStream,
        ["resources"] = ResourceTextForm,
        ["registry-command"] = RegistryCommands,
        ["acls"] = AclDocument,
        ["credentials"] = CredentialsFile,
    };

    /// <summary>A refusal must say why: an empty message is a broken contract, reported as a crash.</summary>
    private static void Refused(string? error, string parser)
    {
        if (string.IsNullOrEmpty(error)) throw new InvalidOperationException($"{parser} refused its input without a message");
    }

    private static void SchedulerJson(byte[] body)
    {
        if (!SchedulerCallJson.TryParse(body, out _, out var error)) Refused(error, nameof(SchedulerCallJson));
    }

    private static void OperatorJson(byte[] body)
    {
        if (!OperatorCallJson.TryParse(body, out _, out var error, out _)) Refused(error, nameof(OperatorCallJson));
    }

    /// <summary>A MessagePack call (either API) as the endpoints read it: converted to JSON, then read as a call.</summary>
    private static void ApiMessagePack(byte[] body)
    {
        if (!ApiEncoding.TryMessagePackToJson(body, out var json, out var error))
        {
            Refused(error, nameof(ApiEncoding.TryMessagePackToJson));
            return;
        }
        SchedulerJson(json);
        OperatorJson(json);
    }

    /// <summary>The pre-v1 maintenance documents as their endpoints read them: UTF-8 and escapes checked, parsed, the root's kind checked, then read.</summary>
    private static void MaintenanceSchedule(byte[] body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body)) return;
        JsonDocument document;
        try
        {
            if (Mesos.HA.Protocol.JsonEscapes.HasLoneSurrogate(body, new JsonReaderOptions { MaxDepth = 32 })) return;
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException) { return; }
        using (document)
        {
            try
            {
                if (document.RootElement.ValueKind == JsonValueKind.Object) MaintenanceJson.ReadSchedule(document.RootElement, "schedule");
                else if (document.RootElement.ValueKind == JsonValueKind.Array) MaintenanceJson.ReadMachines(document.RootElement, "machines");
            }
            catch (FormatException e)
            {
                Refused(e.Message, nameof(MaintenanceJson));
            }
        }
    }

    private static void ExecutorCallJson(byte[] body)
    {
        if (ExecutorJson.TryRead(body, Now, out var error) is null) Refused(error, nameof(ExecutorJson));
    }

    /// <summary>A protobuf executor call as the agent reads it: converted to JSON, then read as a call.</summary>
    private static void ExecutorCallProtobuf(byte[] body)
    {
        if (!ExecutorProtobuf.TryCallToJson(body, out var json, out var error))
        {
            if (!error.StartsWith("malformed protobuf", StringComparison.Ordinal)) throw new InvalidOperationException($"unexpected refusal: {error}");
            return;
        }
        ExecutorCallJson(json);
    }

    /// <summary>A stream of agent channel frames read to its end, as the channel reads them; each payload decoded on its own too.</summary>
    private static void AgentFrames(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        for (var i = 0; i <= bytes.Length; i++)
        {
            var read = FrameCodec.ReadAsync(stream, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (read is FrameRead.Malformed malformed) Refused(malformed.Error, nameof(FrameCodec)); // the stream stays aligned: read on
            else if (read is not FrameRead.Ok) return; // Closed, or Oversized (the channel drops the peer)
        }
        if (bytes.Length > 4 && FrameCodec.Decode(bytes.AsMemory(4)) is FrameRead.Malformed { Error: var error }) Refused(error, nameof(FrameCodec));
    }

    /// <summary>A RecordIO stream handed out in chunks of the first byte's size (1 to 256), as a network would; InvalidDataException is the reader's refusal.</summary>
    private static void RecordIOStream(byte[] bytes)
    {
        if (bytes.Length == 0) return;
        var reader = new RecordIOReader(new ChunkedStream(bytes[1..], bytes[0] + 1));
        try
        {
            for (var i = 0; i < bytes.Length; i++)
                if (reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() is null) return;
            throw new InvalidOperationException("the reader returned more records than the stream can hold");
        }
        catch (InvalidDataException e)
        {
            Refused(e.Message, nameof(RecordIOReader));
        }
    }

    private static void ResourceTextForm(byte[] bytes)
    {
        if (!ResourceText.TryParse(Encoding.UTF8.GetString(bytes), out _, out var error)) Refused(error, nameof(ResourceText));
    }

    /// <summary>A registry log entry, decoded as one command and as a batch.</summary>
    private static void RegistryCommands(byte[] bytes)
    {
        if (RegistryCommandCodec.TryDecode(bytes, out var envelope, out var error))
        {
            if (envelope?.Command is null) throw new InvalidOperationException("a decoded command without a command");
        }
        else Refused(error, nameof(RegistryCommandCodec.TryDecode));
        if (!RegistryCommandCodec.TryDecodeBatch(new ReadOnlySequence<byte>(bytes), out var commands, out var batchError))
            Refused(batchError, nameof(RegistryCommandCodec.TryDecodeBatch));
        else
            foreach (var (command, commandError) in commands)
                if (command is null == commandError is null) throw new InvalidOperationException("a batch slot holds both or neither a command and an error");
    }

    private static void AclDocument(byte[] bytes)
    {
        try { Acls.Parse(Encoding.UTF8.GetString(bytes), "(fuzz)"); }
        catch (AclException e) { Refused(e.Message, nameof(Acls)); }
    }

    /// <summary>A credentials file's text, read as the master's list and as an agent's single credential.</summary>
    private static void CredentialsFile(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        try { Credentials.ParseAll(text, "(fuzz)"); }
        catch (CredentialsException e) { Refused(e.Message, nameof(Credentials.ParseAll)); }
        try { Credentials.ParseOne(text, "(fuzz)"); }
        catch (CredentialsException e) { Refused(e.Message, nameof(Credentials.ParseOne)); }
    }

    /// <summary>Hands out its bytes at most <paramref name="chunk"/> at a time.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], token);
    }
}
