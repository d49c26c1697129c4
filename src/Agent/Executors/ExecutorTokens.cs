using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Mesos.HA.Agent.Core;
using Mesos.HA.Protocol;

namespace Mesos.HA.Agent.Executors;

/// <summary>
/// Per-executor tokens for the executor API (Mesos' executor authentication). A token names its
/// framework, executor and run, and carries an HMAC-SHA256 of those under the agent's secret key,
/// so it authenticates that executor's calls only. The key lives in the work directory (mode 0600,
/// created on first start), so tokens given before an agent restart still hold after it and
/// recovering executors can subscribe again. Tokens are secrets: never log or echo one.
/// </summary>
public sealed class ExecutorTokens
{
    /// <summary>The executor's environment variable holding its token (Mesos' name).</summary>
    public const string EnvironmentVariable = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN";

    public const int KeyBytes = 32;

    private readonly byte[] key;

    public ExecutorTokens(byte[] key)
    {
        if (key.Length != KeyBytes) throw new ArgumentException($"an executor secret key is {KeyBytes} bytes, not {key.Length}", nameof(key));
        this.key = [.. key];
    }

    /// <summary>
    /// The key at <paramref name="path"/>, created (random, owner read/write only) when the file does not exist yet.
    /// Throws <see cref="StartupException"/> when the file is not a key or cannot be read or made, naming the file but not its content.
    /// </summary>
    public static ExecutorTokens LoadOrCreate(string path)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(path)) Create(path);
            bytes = File.ReadAllBytes(path);
            const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) != ownerOnly) File.SetUnixFileMode(path, ownerOnly);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"the executor secret key {path} cannot be read or made: {e.Message}", e);
        }
        if (bytes.Length != KeyBytes)
            throw new StartupException($"{path} is not an executor secret key ({bytes.Length} bytes, expected {KeyBytes}); remove it to make a new one");
        return new ExecutorTokens(bytes);
    }

    private static void Create(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.Delete(temporary); // left by a crash: its mode is only set on creation
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, options))
        {
            file.Write(RandomNumberGenerator.GetBytes(KeyBytes));
            file.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary); // made meanwhile: the first key stays
        }
    }

    /// <summary>The token of <paramref name="executor"/>'s run <paramref name="runId"/>.</summary>
    public string Issue(ExecutorKey executor, string runId)
    {
        var claims = $"{Encode(executor.Framework.Value)}.{Encode(executor.Executor)}.{Encode(runId)}";
        return claims + "." + Base64Url.EncodeToString(Mac(claims));
    }

    /// <summary>What <paramref name="token"/> speaks for, or null when this agent did not issue it.</summary>
    public ExecutorTokenClaims? Verify(string token)
    {
        var last = token.LastIndexOf('.');
        if (last <= 0 || token.Length > 4096) return null;
        var claims = token[..last];
        if (DecodeBytes(token[(last + 1)..]) is not { Length: HMACSHA256.HashSizeInBytes } given) return null;
        if (!CryptographicOperations.FixedTimeEquals(given, Mac(claims))) return null;
        var parts = claims.Split('.');
        return parts.Length == 3 && Decode(parts[0]) is { } framework && Decode(parts[1]) is { } executor && Decode(parts[2]) is { } run
            ? new ExecutorTokenClaims(new ExecutorKey(new FrameworkId(framework), executor), run)
            : null;
    }

    private byte[] Mac(string claims) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(claims));

    private static string Encode(string value) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(value));

    private static string? Decode(string part) => DecodeBytes(part) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    private static byte[]? DecodeBytes(string part)
    {
        try
        {
            return Base64Url.DecodeFromChars(part);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
