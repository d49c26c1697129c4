using System.Buffers.Text;
using System.Text.Json;

namespace Mesos.HA.Protocol;

/// <summary>
/// Finds the one kind of well-formed JSON that System.Text.Json cannot read as text: a <c>\u</c> escape
/// of a lone surrogate (<c>"\ud800"</c>, or a low one without its high). The reader accepts it and throws
/// <see cref="InvalidOperationException"/> only when the string is read, which a parser would pass on as a
/// crash (a 500 at an endpoint); the parsers check first and refuse the document with a clear message.
/// </summary>
public static class JsonEscapes
{
    /// <summary>What a parser says when it refuses such a document.</summary>
    public const string LoneSurrogateMessage = "a string holds an escaped lone surrogate (\\ud800-\\udfff not in a pair), which is not text";

    /// <summary>
    /// Whether a string or property name of the document escapes a lone surrogate. Reads the document
    /// with <paramref name="options"/>, so a malformed one throws the reader's <see cref="JsonException"/>.
    /// </summary>
    public static bool HasLoneSurrogate(ReadOnlySpan<byte> utf8, JsonReaderOptions options)
    {
        var reader = new Utf8JsonReader(utf8, options);
        while (reader.Read())
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped && HasLoneSurrogate(reader.ValueSpan))
                return true;
        return false;
    }

    /// <summary>The same over a document held as text (UTF-16), as configuration files are read.</summary>
    public static bool HasLoneSurrogate(string json, JsonReaderOptions options) =>
        HasLoneSurrogate(System.Text.Encoding.UTF8.GetBytes(json), options);

    /// <summary>Scans a token's raw bytes, whose escapes the reader has already checked (<c>\u</c> has four hex digits).</summary>
    private static bool HasLoneSurrogate(ReadOnlySpan<byte> escaped)
    {
        var awaitingLow = false;
        for (var i = 0; i < escaped.Length; i++)
        {
            var isUnicodeEscape = escaped[i] == (byte)'\\' && escaped[i + 1] == (byte)'u';
            if (!isUnicodeEscape)
            {
                if (awaitingLow) return true;
                if (escaped[i] == (byte)'\\') i++; // a two-byte escape such as \\ or \"
                continue;
            }
            Utf8Parser.TryParse(escaped.Slice(i + 2, 4), out ushort unit, out _, 'x');
            i += 5;
            var c = (char)unit;
            if (awaitingLow)
            {
                if (!char.IsLowSurrogate(c)) return true;
                awaitingLow = false;
            }
            else if (char.IsHighSurrogate(c)) awaitingLow = true;
            else if (char.IsLowSurrogate(c)) return true;
        }
        return awaitingLow;
    }
}
