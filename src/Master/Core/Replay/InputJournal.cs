using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Security.Cryptography;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core.Replay;

/// <summary>The first frame of a journal: which leadership it records, and the options its core was built with.</summary>
public sealed record JournalHeader(long Term, MasterCoreOptions Options);

/// <summary>
/// One decision as the journal holds it: when it was taken, what it was about, and (when the writer
/// knew it) the fingerprint of every effect the core gave up to and including this decision.
/// </summary>
public sealed record JournalEntry(DateTimeOffset At, MasterInput Input, string? EffectsDigest = null);

/// <summary>
/// The inputs of one leadership, as data on disk: a header, then each input the core was fed with
/// the time it was fed at, in decision order. Since the core is a pure function of its options and
/// its inputs, feeding a journal to a fresh <see cref="MasterCore"/> gives the same effects again
/// (<see cref="MasterReplay"/>). Frames are length-prefixed MessagePack; a torn last frame is ignored.
/// Only the core's own input types are read back (named in the frame, checked against a fixed list).
/// </summary>
public static class InputJournal
{
    /// <summary>Frames larger than this are refused when reading (a corrupt or foreign file).</summary>
    public const int MaxFrameBytes = 64 * 1024 * 1024;

    /// <summary>Stands for the fingerprint of an input on which the core threw.</summary>
    public const string ThrewMarker = "threw ";

    private static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create([new ResourcesFormatter()], [StandardResolver.Instance, ContractlessStandardResolver.Instance]))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    private static readonly FrozenDictionary<string, Type> InputTypes = typeof(MasterInput).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(MasterInput)) && !t.IsAbstract)
        .ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    public static void WriteHeader(Stream to, JournalHeader header) => WriteFrame(to, MessagePackSerializer.Serialize(header, Options));

    public static void Write(Stream to, DateTimeOffset at, MasterInput input, string? effectsDigest = null)
    {
        var type = input.GetType();
        var frame = new Frame(type.Name, at.UtcTicks, MessagePackSerializer.Serialize(type, input, Options), effectsDigest);
        WriteFrame(to, MessagePackSerializer.Serialize(frame, Options));
    }

    /// <summary>The header and the entries of a journal; throws <see cref="InvalidDataException"/> on a frame it cannot read.</summary>
    public static (JournalHeader Header, IEnumerable<JournalEntry> Entries) Read(Stream from)
    {
        var first = ReadFrame(from) ?? throw new InvalidDataException("no whole header: the file is empty, torn, or not a journal");
        var header = Deserialize<JournalHeader?>(first, "header");
        if (header?.Options?.OfferIdPrefix is null) throw new InvalidDataException("the journal's header holds no core options");
        return (header, Entries(from));
    }

    private static IEnumerable<JournalEntry> Entries(Stream from)
    {
        for (var index = 1; ReadFrame(from) is { } bytes; index++)
        {
            var frame = Deserialize<Frame?>(bytes, $"frame {index}");
            if (frame?.Type is null || frame.Payload is null) throw new InvalidDataException($"frame {index} names no input");
            if (!InputTypes.TryGetValue(frame.Type, out var type))
                throw new InvalidDataException($"frame {index} holds a {frame.Type}, which is not an input of the master's core");
            MasterInput input;
            try
            {
                input = MessagePackSerializer.Deserialize(type, frame.Payload, Options) as MasterInput
                        ?? throw new InvalidDataException($"frame {index} holds an empty {frame.Type}");
            }
            catch (MessagePackSerializationException e)
            {
                throw new InvalidDataException($"frame {index} ({frame.Type}) is unreadable: {e.Message}", e);
            }
            yield return new JournalEntry(new DateTimeOffset(frame.AtTicks, TimeSpan.Zero), input, frame.EffectsDigest);
        }
    }

    /// <summary>A fingerprint of effects, in order (the same effects give the same bytes).</summary>
    public static void Fingerprint(IncrementalHash hash, IEnumerable<Effect> effects)
    {
        foreach (var effect in effects)
        {
            var type = effect.GetType();
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(type.Name));
            hash.AppendData(MessagePackSerializer.Serialize(type, effect, Options));
        }
    }

    private static T Deserialize<T>(byte[] bytes, string what)
    {
        try
        {
            return MessagePackSerializer.Deserialize<T>(bytes, Options);
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException($"the journal's {what} is unreadable: {e.Message}", e);
        }
    }

    private static void WriteFrame(Stream to, byte[] body)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, body.Length);
        to.Write(length);
        to.Write(body);
    }

    private static byte[]? ReadFrame(Stream from)
    {
        Span<byte> length = stackalloc byte[4];
        if (from.ReadAtLeast(length, 4, throwOnEndOfStream: false) < 4) return null;
        var size = BinaryPrimitives.ReadInt32BigEndian(length);
        if (size == 0) return null; // a zero-filled tail: the file was extended but the frame never written
        if (size < 0 || size > MaxFrameBytes) throw new InvalidDataException($"a frame of {size} bytes (limit {MaxFrameBytes}): not a journal, or a corrupt one");
        var body = new byte[size];
        return from.ReadAtLeast(body, size, throwOnEndOfStream: false) < size ? null : body; // a torn tail: the writer died mid-frame
    }

    /// <summary>An input as framed: its type's name, the time, the input itself, and the effects' fingerprint so far.</summary>
    public sealed record Frame(string Type, long AtTicks, byte[] Payload, string? EffectsDigest = null);

    /// <summary>The running fingerprint's short form, as frames and replays print it.</summary>
    public static string Short(IncrementalHash hash) => Convert.ToHexString(hash.GetCurrentHash())[..16];

    /// <summary>Resources by their text form (it parses back to an equal value).</summary>
    private sealed class ResourcesFormatter : IMessagePackFormatter<Resources?>
    {
        public void Serialize(ref MessagePackWriter writer, Resources? value, MessagePackSerializerOptions options)
        {
            if (value is null) writer.WriteNil();
            else writer.Write(value.ToString());
        }

        public Resources? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            reader.TryReadNil() ? null : ResourceText.Parse(reader.ReadString() ?? "");
    }
}
