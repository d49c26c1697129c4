using System.Buffers;
using System.Text;

namespace Mesos.HA.Agent.Files;

/// <summary>
/// Bytes to the text of a <c>/files/read</c> answer (a JSON string) such that a client can advance its offset
/// by the UTF-8 length of the text it got: a chunk that ends inside a multi-byte character is shortened to
/// the character's start (the next read picks it up whole), and every byte that is not UTF-8 becomes one
/// <c>?</c> (one byte too), where a decoder's U+FFFD (three bytes) would throw the client's offset off.
/// </summary>
public static class Utf8Boundary
{
    /// <summary>The length of <paramref name="bytes"/> without a trailing incomplete character (at most 3 bytes dropped).</summary>
    public static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80) continue; // a continuation byte: look further back for the lead
            var needed = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return needed > back ? bytes.Length - back : bytes.Length;
        }
        return bytes.Length;
    }

    /// <summary>The text of <paramref name="bytes"/>; its UTF-8 length is always <c>bytes.Length</c>.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        var text = new StringBuilder(bytes.Length);
        Span<char> chars = stackalloc char[2];
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) == OperationStatus.Done)
                text.Append(chars[..rune.EncodeToUtf16(chars)]);
            else
                text.Append('?', consumed);
            bytes = bytes[consumed..];
        }
        return text.ToString();
    }
}
