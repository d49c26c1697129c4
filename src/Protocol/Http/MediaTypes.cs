using System.Net.Http.Headers;

namespace Mesos.HA.Protocol.Http;

/// <summary>
/// Content negotiation as Mesos' v1 APIs do it: a body is <c>application/json</c> or
/// <c>application/x-protobuf</c> (anything else is 415), and a stream is JSON when the client's
/// <c>Accept</c> allows it, else protobuf when that is allowed, else nothing (406).
/// </summary>
public static class MediaTypes
{
    public const string Json = "application/json";
    public const string Protobuf = "application/x-protobuf";

    public static string Of(MessageEncoding encoding) => encoding == MessageEncoding.Protobuf ? Protobuf : Json;

    /// <summary>The encoding a request's <c>Content-Type</c> names (parameters such as charset ignored), or null for any other.</summary>
    public static MessageEncoding? OfContent(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed)) return null;
        if (string.Equals(parsed.MediaType, Json, StringComparison.OrdinalIgnoreCase)) return MessageEncoding.Json;
        if (string.Equals(parsed.MediaType, Protobuf, StringComparison.OrdinalIgnoreCase)) return MessageEncoding.Protobuf;
        return null;
    }

    /// <summary>
    /// The encoding for a response to a request with these <c>Accept</c> header values: JSON if it is
    /// acceptable, else protobuf if that is, else null. No <c>Accept</c> at all accepts anything.
    /// </summary>
    public static MessageEncoding? Accepted(IEnumerable<string?> acceptHeaders)
    {
        var ranges = Ranges(acceptHeaders, out var present);
        if (!present || Accepts(ranges, Json)) return MessageEncoding.Json;
        if (Accepts(ranges, Protobuf)) return MessageEncoding.Protobuf;
        return null;
    }

    /// <summary>
    /// Whether <paramref name="mediaType"/> is acceptable: the most specific range that matches it
    /// (<c>type/subtype</c>, then <c>type/*</c>, then <c>*/*</c>) decides, by a q-value above 0.
    /// So <c>application/json;q=0, */*</c> refuses JSON and accepts anything else.
    /// </summary>
    public static bool Accepts(IReadOnlyList<MediaTypeWithQualityHeaderValue> ranges, string mediaType)
    {
        var type = mediaType[..mediaType.IndexOf('/')];
        foreach (var pattern in new[] { mediaType, type + "/*", "*/*" })
        {
            double? quality = null;
            foreach (var range in ranges)
                if (string.Equals(range.MediaType, pattern, StringComparison.OrdinalIgnoreCase))
                    quality = Math.Max(quality ?? 0, range.Quality ?? 1);
            if (quality is { } q) return q > 0;
        }
        return false;
    }

    /// <summary>The media ranges of the header values (unreadable ones left out); <paramref name="present"/>: any value was there.</summary>
    private static List<MediaTypeWithQualityHeaderValue> Ranges(IEnumerable<string?> values, out bool present)
    {
        present = false;
        var ranges = new List<MediaTypeWithQualityHeaderValue>();
        foreach (var value in values)
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                present = true;
                if (MediaTypeWithQualityHeaderValue.TryParse(part, out var range)) ranges.Add(range);
            }
        return ranges;
    }
}
