using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mesos.HA.Protocol.Security;

/// <summary>A principal and its secret (Mesos' Credential). <see cref="ToString"/> never shows the secret.</summary>
public sealed record Credential(string Principal, string Secret)
{
    /// <summary>The <c>Authorization</c> header value for HTTP Basic authentication.</summary>
    public string BasicHeader() => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Principal}:{Secret}"));

    public override string ToString() => $"Credential {{ Principal = {Principal} }}";
}

/// <summary>A credentials file that cannot be used: unreadable, malformed, or naming a principal twice. Its message is one line and never holds a secret.</summary>
public sealed class CredentialsException(string message) : Exception(message);

/// <summary>
/// Reads Mesos' credential files: the master's <c>--credentials</c>, JSON
/// <c>{"credentials": [{"principal": "...", "secret": "..."}]}</c> or text lines <c>principal secret</c>,
/// and an agent's or client's <c>--credential</c>, one credential in either form.
/// </summary>
public static class Credentials
{
    /// <summary>Every credential of the file, by principal; throws <see cref="CredentialsException"/> naming what is wrong.</summary>
    public static IReadOnlyDictionary<string, Credential> LoadAll(string path) => ParseAll(Read(path), path);

    /// <summary>Every credential of a credentials file's text, by principal; <paramref name="source"/> names the file in errors.</summary>
    public static IReadOnlyDictionary<string, Credential> ParseAll(string text, string source)
    {
        var list = Parse(source, text);
        var byPrincipal = new Dictionary<string, Credential>(StringComparer.Ordinal);
        foreach (var credential in list)
            if (!byPrincipal.TryAdd(credential.Principal, credential))
                throw new CredentialsException($"{source}: principal '{credential.Principal}' appears twice");
        if (byPrincipal.Count == 0) throw new CredentialsException($"{source}: no credentials");
        return byPrincipal;
    }

    /// <summary>The one credential of the file (an agent's or a client's).</summary>
    public static Credential LoadOne(string path) => ParseOne(Read(path), path);

    /// <summary>The one credential of a credential file's text; <paramref name="source"/> names the file in errors.</summary>
    public static Credential ParseOne(string text, string source)
    {
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') && !trimmed.Contains("\"credentials\"", StringComparison.Ordinal))
            return Single(source, JsonCredential(source, text));
        var list = Parse(source, text);
        return list.Count == 1 ? list[0] : throw new CredentialsException($"{source}: holds {list.Count} credentials; one is expected");
    }

    /// <summary>Whether others than the owner may read the file (Mesos warns about it too); false where modes do not apply.</summary>
    public static bool ReadableByOthers(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;

    /// <summary>Compares a presented secret with the known one in time independent of where they differ.</summary>
    public static bool SecretMatches(Credential known, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(known.Secret), Encoding.UTF8.GetBytes(presented));

    /// <summary>The principal and secret of an <c>Authorization: Basic ...</c> header; null when the header is absent or not Basic.</summary>
    public static Credential? FromBasicHeader(string? header)
    {
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(header[6..].Trim());
        }
        catch (FormatException)
        {
            return null;
        }
        var text = Encoding.UTF8.GetString(bytes);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 ? null : new Credential(text[..colon], text[(colon + 1)..]);
    }

    private static string Read(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > 1 << 20) throw new CredentialsException($"{path}: larger than 1 MiB");
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialsException($"{path}: {e.Message}");
        }
    }

    private static List<Credential> Parse(string path, string text)
    {
        if (text.TrimStart().StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                RefuseLoneSurrogates(path, text);
                if (!document.RootElement.TryGetProperty("credentials", out var list) || list.ValueKind != JsonValueKind.Array)
                    throw new CredentialsException($"{path}: expected {{\"credentials\": [{{\"principal\": ..., \"secret\": ...}}]}}");
                return [.. list.EnumerateArray().Select((entry, i) => Single($"{path}: credentials[{i}]", entry))];
            }
            catch (JsonException e)
            {
                // The reader's message names a position, never the text around it.
                throw new CredentialsException($"{path}: malformed JSON ({e.LineNumber + 1}:{e.BytePositionInLine + 1})");
            }
        }
        var credentials = new List<Credential>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            var parts = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0].StartsWith('#')) continue;
            if (parts.Length != 2) throw new CredentialsException($"{path}:{number}: expected 'principal secret'");
            credentials.Add(Checked($"{path}:{number}", parts[0], parts[1]));
        }
        return credentials;
    }

    private static JsonElement JsonCredential(string path, string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            RefuseLoneSurrogates(path, text);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CredentialsException($"{path}: malformed JSON ({e.LineNumber + 1}:{e.BytePositionInLine + 1})");
        }
    }

    /// <summary>A well-formed document whose strings cannot all be read as text is refused here, not by the reader's InvalidOperationException later.</summary>
    private static void RefuseLoneSurrogates(string path, string text)
    {
        if (JsonEscapes.HasLoneSurrogate(text, default)) throw new CredentialsException($"{path}: {JsonEscapes.LoneSurrogateMessage}");
    }

    private static Credential Single(string where, JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw new CredentialsException($"{where}: expected {{\"principal\": ..., \"secret\": ...}}");
        string? Field(string name) => entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return Checked(where, Field("principal"), Field("secret"));
    }

    private static Credential Checked(string where, string? principal, string? secret)
    {
        if (string.IsNullOrEmpty(principal)) throw new CredentialsException($"{where}: no principal");
        if (principal.Contains(':', StringComparison.Ordinal) || principal.Any(char.IsControl))
            throw new CredentialsException($"{where}: principal '{principal}' holds ':' or a control character");
        if (string.IsNullOrEmpty(secret)) throw new CredentialsException($"{where}: principal '{principal}' has no secret");
        return new Credential(principal, secret);
    }
}
