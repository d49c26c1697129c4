namespace Mesos.HA.Agent.Files;

/// <summary>
/// Where a chunk of UTF-8 may be cut: <c>/files/read</c> returns text in a JSON string, so a chunk that
/// ends inside a multi-byte character is shortened to the character's start (the next read, from the
/// offset the client advanced by the bytes it got, picks it up whole).
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
}
