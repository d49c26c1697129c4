using System.Buffers;
using MessagePack;

namespace Mesos.HA.Protocol.Registry;

/// <summary>
/// Encodes registry commands for the Raft log and decodes them with the untrusted-data guard.
/// Decoding never throws: a bad entry is reported, because a replica must not crash on it.
/// </summary>
public static class RegistryCommandCodec
{
    /// <summary>The encoding written today. Bump it (and keep decoding the old one) when a command's shape changes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Larger entries are refused: registry commands are small, and a bound keeps a bug from filling the log.</summary>
    public const int MaxEncodedBytes = 64 * 1024;

    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Validates and encodes a command; throws <see cref="InvalidRegistryCommandException"/> when it is not acceptable.</summary>
    public static byte[] Encode(CommandEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Version != CurrentVersion)
            throw new InvalidRegistryCommandException($"unsupported command encoding version {envelope.Version}");
        var error = RegistryCommandValidator.Validate(envelope.Command);
        if (error is not null)
            throw new InvalidRegistryCommandException(error);
        var bytes = MessagePackSerializer.Serialize(envelope, Options);
        if (bytes.Length > MaxEncodedBytes)
            throw new InvalidRegistryCommandException($"command is {bytes.Length} bytes; the limit is {MaxEncodedBytes}");
        return bytes;
    }

    /// <summary>Larger log entries are refused; a batch is cut before it reaches this.</summary>
    public const int MaxBatchBytes = 1024 * 1024;

    /// <summary>
    /// Builds one log entry from commands already encoded by <see cref="Encode"/>: a MessagePack
    /// <see cref="CommandBatch"/> written around the encoded commands without re-encoding them.
    /// </summary>
    public static byte[] EncodeBatch(IReadOnlyList<byte[]> encodedCommands)
    {
        var buffer = new ArrayBufferWriter<byte>(encodedCommands.Sum(c => c.Length) + 16);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.Write(CurrentVersion);
        writer.WriteArrayHeader(encodedCommands.Count);
        foreach (var command in encodedCommands) writer.WriteRaw(command);
        writer.Flush();
        if (buffer.WrittenCount > MaxBatchBytes)
            throw new InvalidRegistryCommandException($"batch is {buffer.WrittenCount} bytes; the limit is {MaxBatchBytes}");
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes a log entry into its commands. Returns false when the entry as a whole is unreadable.
    /// A readable batch may still hold an invalid command: its slot is null and its error is given.
    /// </summary>
    public static bool TryDecodeBatch(ReadOnlySequence<byte> payload, out IReadOnlyList<(CommandEnvelope? Envelope, string? Error)> commands,
        out string? error)
    {
        commands = [];
        if (payload.Length > MaxBatchBytes)
        {
            error = $"entry is {payload.Length} bytes; the limit is {MaxBatchBytes}";
            return false;
        }
        CommandBatch? batch;
        try
        {
            batch = MessagePackSerializer.Deserialize<CommandBatch>(payload, Options);
        }
        catch (MessagePackSerializationException e)
        {
            error = "malformed entry: " + (e.InnerException?.Message ?? e.Message);
            return false;
        }
        if (batch?.Commands is null || batch.Version != CurrentVersion)
        {
            error = batch is null ? "malformed entry: empty" : $"unsupported entry version {batch.Version}";
            return false;
        }
        commands = [.. batch.Commands.Select(Check)];
        error = null;
        return true;

        static (CommandEnvelope?, string?) Check(CommandEnvelope? envelope)
        {
            if (envelope?.Command is null) return (null, "malformed command: empty");
            if (envelope.Version != CurrentVersion) return (null, $"unsupported command encoding version {envelope.Version}");
            return RegistryCommandValidator.Validate(envelope.Command) is { } invalid ? (null, invalid) : (envelope, null);
        }
    }

    /// <summary>Decodes a log entry payload; returns false with a readable reason when it is not a valid command.</summary>
    public static bool TryDecode(ReadOnlySequence<byte> payload, out CommandEnvelope? envelope, out string? error)
    {
        envelope = null;
        if (payload.Length > MaxEncodedBytes)
        {
            error = $"entry is {payload.Length} bytes; the limit is {MaxEncodedBytes}";
            return false;
        }
        try
        {
            envelope = MessagePackSerializer.Deserialize<CommandEnvelope>(payload, Options);
        }
        catch (MessagePackSerializationException e)
        {
            error = "malformed command: " + (e.InnerException?.Message ?? e.Message);
            return false;
        }
        if (envelope is null || envelope.Command is null)
        {
            error = "malformed command: empty";
            envelope = null;
            return false;
        }
        if (envelope.Version != CurrentVersion)
        {
            error = $"unsupported command encoding version {envelope.Version}";
            envelope = null;
            return false;
        }
        error = RegistryCommandValidator.Validate(envelope.Command);
        if (error is not null)
        {
            envelope = null;
            return false;
        }
        return true;
    }

    /// <inheritdoc cref="TryDecode(ReadOnlySequence{byte}, out CommandEnvelope?, out string?)"/>
    public static bool TryDecode(ReadOnlyMemory<byte> payload, out CommandEnvelope? envelope, out string? error)
        => TryDecode(new ReadOnlySequence<byte>(payload), out envelope, out error);
}

/// <summary>A command that may not be proposed: malformed, out of bounds or of an unknown version.</summary>
public sealed class InvalidRegistryCommandException(string message) : Exception(message);
