using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Mesos.HA.Master.Http;

/// <summary>
/// What the master's v1 APIs (scheduler and operator) share on the wire: calls in JSON or in MessagePack
/// (the same document: maps with Mesos' field names), answers and streams in whichever the client
/// accepts, bodies read up to a limit, and plain-text errors.
/// </summary>
internal static class ApiEncoding
{
    public const string JsonType = "application/json";
    public const string MessagePackType = "application/x-msgpack";

    private static readonly MessagePack.MessagePackSerializerOptions UntrustedMessagePack =
        MessagePack.MessagePackSerializerOptions.Standard.WithSecurity(MessagePack.MessagePackSecurity.UntrustedData);

    /// <summary>The call's encoding from its Content-Type (parameters such as a charset are ignored), or null for anything else.</summary>
    public static string? EncodingOf(string? contentType) =>
        contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media) ? null
        : string.Equals(media.MediaType.Value, JsonType, StringComparison.OrdinalIgnoreCase) ? JsonType
        : string.Equals(media.MediaType.Value, MessagePackType, StringComparison.OrdinalIgnoreCase) ? MessagePackType
        : null;

    /// <summary>A MessagePack call as the JSON document it carries.</summary>
    public static bool TryMessagePackToJson(byte[] body, out byte[] json, out string error)
    {
        try
        {
            json = System.Text.Encoding.UTF8.GetBytes(MessagePack.MessagePackSerializer.ConvertToJson(body, UntrustedMessagePack));
            error = "";
            return true;
        }
        catch (Exception e) when (e is MessagePack.MessagePackSerializationException or InvalidOperationException or OverflowException or EndOfStreamException)
        {
            json = [];
            error = e.Message;
            return false;
        }
    }

    /// <summary>A JSON answer or event in MessagePack.</summary>
    public static byte[] ToMessagePack(byte[] json) => MessagePack.MessagePackSerializer.ConvertFromJson(System.Text.Encoding.UTF8.GetString(json));

    /// <summary>Whether the client asked for MessagePack (<c>Accept: application/x-msgpack</c> without JSON); JSON otherwise.</summary>
    public static bool WantsMessagePack(HttpRequest request) =>
        request.GetTypedHeaders().Accept is { Count: > 0 } accept
        && accept.Any(a => string.Equals(a.MediaType.Value, MessagePackType, StringComparison.OrdinalIgnoreCase))
        && !accept.Any(a => string.Equals(a.MediaType.Value, JsonType, StringComparison.OrdinalIgnoreCase));

    /// <summary>The request's body, or null (413 answered) when it is longer than <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpContext http, int limit)
    {
        if (http.Request.ContentLength > limit)
        {
            await ErrorAsync(http, StatusCodes.Status413PayloadTooLarge, $"calls are limited to {limit} bytes").ConfigureAwait(false);
            return null;
        }
        if (await Protocol.IO.BoundedRead.ToEndAsync(http.Request.Body, limit, http.RequestAborted).ConfigureAwait(false) is { } body) return body;
        await ErrorAsync(http, StatusCodes.Status413PayloadTooLarge, $"calls are limited to {limit} bytes").ConfigureAwait(false);
        return null;
    }

    /// <summary>What a master that does not lead answers: 307 to the leader's <paramref name="path"/>, or 503 when no leader is known.</summary>
    public static async Task NotLeaderAsync(HttpContext http, Replication.LeaderInfo? leader, string path)
    {
        if (leader is { IsLocal: false, HttpAddress.Length: > 0 })
        {
            http.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            http.Response.Headers.Location = $"//{leader.HttpAddress}{path}";
            return;
        }
        await ErrorAsync(http, StatusCodes.Status503ServiceUnavailable, "no leading master is known").ConfigureAwait(false);
    }

    public static async Task ErrorAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(message, http.RequestAborted).ConfigureAwait(false);
    }
}
