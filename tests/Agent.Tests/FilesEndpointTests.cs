using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Mesos.HA.Agent.Files;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>
/// The agent's <c>/files/*</c> endpoints and its operator API (LIST_FILES, READ_FILE) over real HTTP, on a
/// real agent whose task wrote its sandbox: Mesos' shapes, offsets and lengths, the end of a file, missing
/// paths, and every way out of a sandbox refused.
/// </summary>
public sealed class FilesEndpointTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly FrameworkId F = new("fw1");
    private const string Alias = "/frameworks/fw1/executors/t1/runs/latest";
    private readonly string workDir = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "files-" + Guid.NewGuid().ToString("N"));
    private readonly HttpClient http = new() { Timeout = Wait };
    private FakeMaster master = null!;
    private AgentService agent = null!;
    private WebApplication web = null!;
    private ILoggerFactory loggers = null!;
    private string baseUrl = "";
    private string sandbox = "";
    private string secret = "";

    public async Task InitializeAsync()
    {
        master = await FakeMaster.StartAsync();
        loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        agent = new AgentService(new AgentOptions
        {
            Masters = [master.Address], WorkDirectory = workDir, Resources = ResourceText.Parse("cpus:2;mem:256"),
            Hostname = "127.0.0.1", HttpPort = 1, UseCgroups = false, ReconnectFirstDelay = TimeSpan.FromMilliseconds(10),
        }, loggers, TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        web = builder.Build();
        FilesEndpoints.Map(web, agent.Files);
        await web.StartAsync();
        baseUrl = web.Urls.First();
        await agent.StartAsync();

        var connection = await master.NextConnectionAsync(Wait);
        Assert.IsType<FrameRead.Ok>(await connection.NextAsync(Wait));
        await connection.SendAsync(1, new AgentRegistered(new AgentId("a1")));
        await Poll.UntilAsync("the agent registers", () => agent.Registered, Wait, interval: TimeSpan.FromMilliseconds(10));
        // The task stays running so that its run is the live one (and garbage collection leaves it alone).
        await connection.SendAsync(1, new RunTask(F, new TaskId("t1"), "t1", "*", "cpus:0.1;mem:16", "printf 'hello\\nworld\\n'; echo oops >&2; sleep 60"));
        await Poll.UntilAsync("the task writes its stdout", () => agent.Tasks() is [var t] && File.Exists(Path.Combine(t.Sandbox, "stdout"))
            && File.ReadAllText(Path.Combine(t.Sandbox, "stdout")) == "hello\nworld\n", Wait,
            () => $"tasks: {string.Join(", ", agent.Tasks())}");
        sandbox = agent.Tasks()[0].Sandbox;

        // What a task could leave behind: a directory, a big file, text with multi-byte characters, and
        // symlinks out of the sandbox (a file, a directory, a relative climb to the agent's own files).
        Directory.CreateDirectory(Path.Combine(sandbox, "sub"));
        await File.WriteAllTextAsync(Path.Combine(sandbox, "sub", "inner.txt"), "inner\n");
        await File.WriteAllBytesAsync(Path.Combine(sandbox, "big"), Enumerable.Range(0, SandboxFiles.MaxReadBytes + 4096).Select(i => (byte)('a' + i % 26)).ToArray());
        await File.WriteAllTextAsync(Path.Combine(sandbox, "utf8"), "é€");
        await File.WriteAllBytesAsync(Path.Combine(sandbox, "binary"), [0x61, 0xFF, 0x62]);
        secret = Path.Combine(workDir, "secret");
        await File.WriteAllTextAsync(secret, "not for you\n");
        File.CreateSymbolicLink(Path.Combine(sandbox, "passwd"), "/etc/passwd");
        Directory.CreateSymbolicLink(Path.Combine(sandbox, "etc"), "/etc");
        File.CreateSymbolicLink(Path.Combine(sandbox, "climb"), Path.GetRelativePath(sandbox, secret));
        Directory.CreateSymbolicLink(Path.Combine(sandbox, "up"), "..");
        File.CreateSymbolicLink(Path.Combine(sandbox, "own"), "stdout");
    }

    public async Task DisposeAsync()
    {
        // An agent that stops leaves its tasks running: the test ends its own.
        foreach (var pid in Directory.EnumerateFiles(Path.Combine(workDir, "meta"), "pid", SearchOption.AllDirectories))
            if (TaskProcess.Parse(await File.ReadAllTextAsync(pid)) is { } process) ProcessGroup.Signal(process, ProcessGroup.SigKill);
        await agent.DisposeAsync();
        await web.StopAsync();
        await web.DisposeAsync();
        await master.DisposeAsync();
        loggers.Dispose();
        http.Dispose();
        try { Directory.Delete(workDir, recursive: true); } catch (IOException) { }
    }

    private async Task<(HttpStatusCode Status, string Body, HttpContentHeaders Headers)> GetAsync(string endpoint, string? query)
    {
        using var response = await http.GetAsync($"{baseUrl}/files/{endpoint}{query}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers);
    }

    private Task<(HttpStatusCode Status, string Body, HttpContentHeaders Headers)> GetAsync(string endpoint, string path, string extra) =>
        GetAsync(endpoint, "?path=" + Uri.EscapeDataString(path) + extra);

    private async Task<JsonNode> ReadAsync(string path, string extra = "")
    {
        var (status, body, _) = await GetAsync("read", path, extra);
        Assert.True(status == HttpStatusCode.OK, $"read {path}{extra}: {(int)status} {body}");
        return JsonNode.Parse(body)!;
    }

    [Fact]
    public async Task Browse_ListsTheSandboxSortedWithMesosFields_ByAliasAndByRealPath()
    {
        var (status, body, headers) = await GetAsync("browse", Alias, "");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", headers.ContentType!.MediaType);
        var entries = JsonNode.Parse(body)!.AsArray().Select(e => e!.AsObject()).ToArray();
        Assert.Equal(["big", "binary", "climb", "etc", "own", "passwd", "stderr", "stdout", "sub", "up", "utf8"],
            entries.Select(e => e["path"]!.GetValue<string>()[(Alias.Length + 1)..]));
        var stdout = entries.Single(e => e["path"]!.GetValue<string>() == Alias + "/stdout");
        Assert.Equal(["path", "nlink", "size", "mtime", "mode", "uid", "gid"], stdout.Select(p => p.Key));
        Assert.Equal(12, stdout["size"]!.GetValue<long>());
        Assert.Equal(1, stdout["nlink"]!.GetValue<long>());
        Assert.Matches("^-[r-][w-][x-][r-][w-][x-][r-][w-][x-]$", stdout["mode"]!.GetValue<string>());
        Assert.Equal(Environment.UserName, stdout["uid"]!.GetValue<string>());
        Assert.InRange(stdout["mtime"]!.GetValue<long>(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.StartsWith("d", entries.Single(e => e["path"]!.GetValue<string>().EndsWith("/sub", StringComparison.Ordinal))["mode"]!.GetValue<string>());
        // A link inside shows its target; links out show themselves, nothing of what they point to.
        Assert.Equal(12, entries.Single(e => e["path"]!.GetValue<string>().EndsWith("/own", StringComparison.Ordinal))["size"]!.GetValue<long>());
        foreach (var name in new[] { "passwd", "etc", "climb", "up" })
            Assert.StartsWith("l", entries.Single(e => e["path"]!.GetValue<string>().EndsWith("/" + name, StringComparison.Ordinal))["mode"]!.GetValue<string>());

        var real = JsonNode.Parse((await GetAsync("browse", sandbox, "")).Body)!.AsArray();
        Assert.Equal(entries.Select(e => e["path"]!.GetValue<string>()[Alias.Length..]), real.Select(e => e!["path"]!.GetValue<string>()[sandbox.Length..]));
        var sub = JsonNode.Parse((await GetAsync("browse", Alias + "/sub/", "")).Body)!.AsArray();
        Assert.Equal(Alias + "/sub/inner.txt", Assert.Single(sub)!["path"]!.GetValue<string>());
        Assert.Equal("[]", (await GetAsync("browse", Alias + "/stdout", "")).Body); // a file lists nothing, as in Mesos
    }

    [Fact]
    public async Task Browse_MissingOrNoPath_Answers404And400()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("browse", Alias + "/nope", "")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("browse", "/frameworks/fw1/executors/ghost/runs/latest", "")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("browse", Path.Combine(Path.GetDirectoryName(sandbox)!, "no-such-run"), "")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("browse", null)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("browse", "?path=")).Status);
    }

    [Fact]
    public async Task Read_OffsetsLengthsAndTheEnd_AsMesosAnswers()
    {
        var whole = await ReadAsync(Alias + "/stdout", "&offset=0");
        Assert.Equal(("hello\nworld\n", 0L), (whole["data"]!.GetValue<string>(), whole["offset"]!.GetValue<long>()));
        Assert.Equal(["data", "offset"], whole.AsObject().Select(p => p.Key).Order());
        var middle = await ReadAsync(Alias + "/stdout", "&offset=6&length=3");
        Assert.Equal(("wor", 6L), (middle["data"]!.GetValue<string>(), middle["offset"]!.GetValue<long>()));
        var rest = await ReadAsync(sandbox + "/stdout", "&offset=6&length=-1");
        Assert.Equal("world\n", rest["data"]!.GetValue<string>());
        // offset=-1 (and no offset at all) asks for the end: no data, the size as the offset.
        foreach (var end in new[] { "&offset=-1", "", "&offset=-1&length=5" })
        {
            var size = await ReadAsync(Alias + "/stdout", end);
            Assert.Equal(("", 12L), (size["data"]!.GetValue<string>(), size["offset"]!.GetValue<long>()));
        }
        var past = await ReadAsync(Alias + "/stdout", "&offset=100");
        Assert.Equal(("", 100L), (past["data"]!.GetValue<string>(), past["offset"]!.GetValue<long>()));
        Assert.Equal("hello", (await ReadAsync(Alias + "/stdout", "&offset=0&length=5"))["data"]!.GetValue<string>());
        Assert.Equal("", (await ReadAsync(Alias + "/stdout", "&offset=0&length=0"))["data"]!.GetValue<string>());
        Assert.Equal("oops\n", (await ReadAsync(Alias + "/stderr", "&offset=0"))["data"]!.GetValue<string>());
        Assert.Equal("hello\nworld\n", (await ReadAsync(Alias + "/own", "&offset=0"))["data"]!.GetValue<string>());

        // One read returns at most MaxReadBytes; the rest is read from where it stopped.
        var first = (await ReadAsync(Alias + "/big", "&offset=0"))["data"]!.GetValue<string>();
        Assert.Equal(SandboxFiles.MaxReadBytes, first.Length);
        Assert.Equal(4096, (await ReadAsync(Alias + "/big", $"&offset={SandboxFiles.MaxReadBytes}"))["data"]!.GetValue<string>().Length);

        // "é€" is 5 bytes: a read that would cut a character stops before it.
        Assert.Equal("é", (await ReadAsync(Alias + "/utf8", "&offset=0&length=4"))["data"]!.GetValue<string>());
        Assert.Equal("€", (await ReadAsync(Alias + "/utf8", "&offset=2"))["data"]!.GetValue<string>());
        // A byte that is not UTF-8 reads as one '?': the text's UTF-8 length is still the bytes it covers.
        Assert.Equal("a?b", (await ReadAsync(Alias + "/binary", "&offset=0"))["data"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("read", Alias + "/nope", "&offset=0")).Status);
        foreach (var bad in new[] { "&offset=x", "&offset=-2", "&length=-2", "&offset=0&length=1.5", "&offset=99999999999999999999" })
            Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("read", Alias + "/stdout", bad)).Status);
        var directory = await GetAsync("read", Alias + "/sub", "&offset=0");
        Assert.Equal(HttpStatusCode.BadRequest, directory.Status);
        Assert.Contains("directory", directory.Body);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("read", "?offset=0")).Status);
    }

    [Fact]
    public async Task Download_ReturnsTheBytesAsAnAttachment()
    {
        using var response = await http.GetAsync($"{baseUrl}/files/download?path={Uri.EscapeDataString(Alias + "/sub/inner.txt")}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("inner.txt", response.Content.Headers.ContentDisposition.FileName);
        Assert.Equal("inner\n", await response.Content.ReadAsStringAsync());
        var big = await http.GetByteArrayAsync($"{baseUrl}/files/download?path={Uri.EscapeDataString(sandbox + "/big")}");
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(sandbox, "big")), big);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("download", Alias + "/nope", "")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("download", Alias + "/sub", "")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("download", null)).Status);
    }

    [Fact]
    public async Task Debug_MapsTheRealSandboxPathAndTheLatestAlias()
    {
        var (status, body, _) = await GetAsync("debug", null);
        Assert.Equal(HttpStatusCode.OK, status);
        var map = JsonNode.Parse(body)!.AsObject();
        var real = map[sandbox]!.GetValue<string>();
        Assert.Equal(real, map[Alias]!.GetValue<string>());
        Assert.EndsWith(sandbox[workDir.Length..], real);
        Assert.Equal(2, map.Count);
    }

    /// <summary>Every way out, on every endpoint and the operator API: refused with 403 or 404, and nothing changes.</summary>
    [Fact]
    public async Task Escapes_AreRefused_AndChangeNothing()
    {
        var before = Snapshot();
        var escapes = new[]
        {
            Alias + "/../../../../../../etc/passwd",   // .. out of the alias
            sandbox + "/../../../../../../../secret",  // .. out of the real path
            Alias + "/sub/../../t1/runs/latest/stdout", // .. even when it would land inside
            "/etc/passwd",                             // an absolute path elsewhere
            workDir + "/secret",                       // the agent's work directory, outside any sandbox
            workDir + "/meta/agent.info",
            Alias + "/passwd",                         // a symlink to /etc/passwd
            Alias + "/etc/passwd",                     // through a symlinked directory
            Alias + "/etc",
            Alias + "/climb",                          // a relative symlink climbing to the work directory
            Alias + "/up",                             // a symlink to the runs directory above
            Alias + "/up/other-run/stdout",
        };
        foreach (var path in escapes)
        {
            foreach (var endpoint in new[] { "browse", "read", "download" })
            {
                var (status, body, _) = await GetAsync(endpoint, path, endpoint == "read" ? "&offset=0" : "");
                Assert.True(status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{endpoint} {path}: {(int)status} {body}");
                Assert.DoesNotContain("root:", body);
                Assert.DoesNotContain("not for you", body);
            }
            foreach (var call in new[] { ListFiles(path), ReadFile(path, 0) })
            {
                var (status, body) = await PostApiAsync(call);
                Assert.True(status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{call}: {(int)status} {body}");
            }
        }
        // The link out is listed (as a link) but never followed; an escape in percent-encoding is the same escape.
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("read", $"?path={Alias}/%2e%2e/%2e%2e/x&offset=0")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("read", Alias + "/passwd", "&offset=0")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("browse", Alias + "/etc", "")).Status);
        Assert.Equal(before, Snapshot());
    }

    /// <summary>A run's directory swapped for a symlink (a task can write next to its sandbox) is not attached at all.</summary>
    [Fact]
    public async Task ARunDirectoryReplacedByASymlink_IsNotServed()
    {
        var runs = Path.GetDirectoryName(sandbox)!;
        var meta = Path.Combine(workDir, "meta", "agents", "a1", "frameworks", "fw1", "executors", "t1", "runs", "forged");
        Directory.CreateDirectory(meta);
        Directory.CreateSymbolicLink(Path.Combine(runs, "forged"), "/etc");
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("read", Path.Combine(runs, "forged", "passwd"), "&offset=0")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("browse", Path.Combine(runs, "forged"), "")).Status);
        Assert.DoesNotContain("forged", (await GetAsync("debug", null)).Body);
        // The live run stays the latest.
        Assert.Equal("hello\nworld\n", (await ReadAsync(Alias + "/stdout", "&offset=0"))["data"]!.GetValue<string>());
    }

    [Fact]
    public async Task OperatorApi_ListFilesAndReadFile_InMesosV1Shapes()
    {
        var (status, body) = await PostApiAsync(ListFiles(Alias));
        Assert.True(status == HttpStatusCode.OK, body);
        var listed = JsonNode.Parse(body)!;
        Assert.Equal("LIST_FILES", listed["type"]!.GetValue<string>());
        var infos = listed["list_files"]!["file_infos"]!.AsArray();
        var stdout = infos.Single(i => i!["path"]!.GetValue<string>() == Alias + "/stdout")!;
        Assert.Equal(["path", "nlink", "size", "mtime", "mode", "uid", "gid"], stdout.AsObject().Select(p => p.Key));
        Assert.Equal(12, stdout["size"]!.GetValue<long>());
        Assert.Equal(0x8000u, stdout["mode"]!.GetValue<uint>() & 0xF000u);
        Assert.Equal(0, stdout["mtime"]!["nanoseconds"]!.GetValue<long>() % 1_000_000_000);
        Assert.Equal(Environment.UserName, stdout["uid"]!.GetValue<string>());
        Assert.Equal(0x4000u, infos.Single(i => i!["path"]!.GetValue<string>() == Alias + "/sub")!["mode"]!.GetValue<uint>() & 0xF000u);

        (status, body) = await PostApiAsync(ReadFile(Alias + "/stdout", 6, 5));
        Assert.True(status == HttpStatusCode.OK, body);
        var read = JsonNode.Parse(body)!;
        Assert.Equal("READ_FILE", read["type"]!.GetValue<string>());
        Assert.Equal(12, read["read_file"]!["size"]!.GetValue<long>());
        Assert.Equal("world", Encoding.UTF8.GetString(Convert.FromBase64String(read["read_file"]!["data"]!.GetValue<string>())));
        // Without a length: to the end; offsets as protobuf's JSON writes 64-bit numbers (strings) are taken too.
        (_, body) = await PostApiAsync("""{"type":"READ_FILE","read_file":{"path":"PATH","offset":"0"}}""".Replace("PATH", Alias + "/stdout"));
        Assert.Equal("hello\nworld\n", Encoding.UTF8.GetString(Convert.FromBase64String(JsonNode.Parse(body)!["read_file"]!["data"]!.GetValue<string>())));
        (_, body) = await PostApiAsync(ReadFile(Alias + "/stdout", 50));
        Assert.Equal(("", 12L), (JsonNode.Parse(body)!["read_file"]!["data"]!.GetValue<string>(), JsonNode.Parse(body)!["read_file"]!["size"]!.GetValue<long>()));
        (status, body) = await PostApiAsync("""{"type":"GET_HEALTH"}""");
        Assert.True(JsonNode.Parse(body)!["get_health"]!["healthy"]!.GetValue<bool>());

        Assert.Equal(HttpStatusCode.NotFound, (await PostApiAsync(ReadFile(Alias + "/nope", 0))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostApiAsync(ListFiles(Alias + "/nope"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostApiAsync(ReadFile(Alias + "/sub", 0))).Status);
    }

    [Fact]
    public async Task OperatorApi_RefusesBadCalls_WithMesosStatusCodes()
    {
        foreach (var bad in new[]
        {
            "{not json", "", "null", "{}", """{"type":"NO_SUCH_CALL"}""", """{"type":"LIST_FILES"}""", """{"type":"READ_FILE","read_file":{"path":"/x"}}""",
            """{"type":"READ_FILE","read_file":{"path":"/x","offset":-1}}""", """{"type":"READ_FILE","read_file":{"offset":0}}""",
        })
            Assert.True((await PostApiAsync(bad)).Status == HttpStatusCode.BadRequest, bad);
        var unsupported = await PostApiAsync("""{"type":"GET_STATE"}""");
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.Status);
        Assert.Contains("not supported yet", unsupported.Body);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PostApiAsync(ListFiles(Alias), "application/x-protobuf")).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PostApiAsync(ListFiles(Alias), "text/plain")).Status);
        Assert.Equal(HttpStatusCode.NotAcceptable, (await PostApiAsync(ListFiles(Alias), accept: "application/x-protobuf")).Status);
        using var get = await http.GetAsync($"{baseUrl}{AgentApiEndpoint.Path}");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    private static string ListFiles(string path) => new JsonObject { ["type"] = "LIST_FILES", ["list_files"] = new JsonObject { ["path"] = path } }.ToJsonString();

    private static string ReadFile(string path, long offset, long? length = null)
    {
        var read = new JsonObject { ["path"] = path, ["offset"] = offset };
        if (length is { } l) read["length"] = l;
        return new JsonObject { ["type"] = "READ_FILE", ["read_file"] = read }.ToJsonString();
    }

    private async Task<(HttpStatusCode Status, string Body)> PostApiAsync(string json, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + AgentApiEndpoint.Path) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (accept is not null) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Every entry under the work directory (links not followed) with its length and write time, and /etc/passwd's.</summary>
    private string Snapshot()
    {
        var lines = new List<string> { $"/etc/passwd {new FileInfo("/etc/passwd").LastWriteTimeUtc:O}" };
        void Walk(string directory)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
            {
                if (entry == Path.Combine(workDir, "meta")) continue; // the agent's own checkpoints move on their own
                var info = new FileInfo(entry);
                if (info.LinkTarget is { } target) lines.Add($"{entry} -> {target}");
                else if (Directory.Exists(entry)) { lines.Add(entry + "/"); Walk(entry); }
                else lines.Add($"{entry} {info.Length} {info.LastWriteTimeUtc:O}");
            }
        }
        Walk(workDir);
        return string.Join("\n", lines);
    }
}
