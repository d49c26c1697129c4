using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Unicode;
using Mesos.HA.Tests.Support;

namespace Mesos.HA.Agent.Tests;

/// <summary>One request the fuzzer sent, printable so that it can be replayed with curl.</summary>
public sealed record FuzzRequest(string Method, string Url, string? ContentType, byte[]? Body, string? StreamId)
{
    public override string ToString()
    {
        var text = new StringBuilder($"{Method} {Url}");
        if (ContentType is not null) text.Append($"\nContent-Type: {ContentType}");
        if (StreamId is not null) text.Append($"\nMesos-Stream-Id: {StreamId}");
        if (Body is { } body)
        {
            var shown = body.Length > 4_000 ? body[..4_000] : body;
            text.Append(Utf8.IsValid(shown) && !ContentType!.Contains("msgpack")
                ? $"\nbody ({body.Length} bytes): {Encoding.UTF8.GetString(shown)}"
                : $"\nbody ({body.Length} bytes, base64): {Convert.ToBase64String(shown)}");
        }
        return text.ToString();
    }
}

/// <summary>What the cluster under fuzz offers: the addresses and the ids a valid call would name.</summary>
public sealed record FuzzTargets(string Master, string Agent, string FrameworkId, string StreamId, string AgentId, IReadOnlyList<string> FilePaths);

/// <summary>
/// A seeded mutation fuzzer of the HTTP APIs: each request is a valid call of one API (see
/// <see cref="FuzzCorpus"/>) mutated by <see cref="JsonMutator"/> (or its MessagePack form with bytes
/// changed), or a files query string with twisted values. The same seed sends the same requests.
/// Records every status seen and every request answered with a 5xx (other than a 503 "no leader").
/// </summary>
public sealed class ApiFuzzer(FuzzTargets targets, int seed)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(15) };
    private readonly Random random = new(seed);

    public SortedDictionary<string, int> Statuses { get; } = new(StringComparer.Ordinal);
    public List<(FuzzRequest Request, string Answer)> Failures { get; } = [];
    public int Sent { get; private set; }

    /// <summary>Sends requests until <paramref name="count"/> are sent, <paramref name="duration"/> has passed, or ten failures are in hand.</summary>
    public async Task RunAsync(int count, TimeSpan duration, CancellationToken token)
    {
        var deadline = DateTime.UtcNow + duration;
        while (Sent < count && DateTime.UtcNow < deadline && Failures.Count < 10 && !token.IsCancellationRequested)
        {
            var request = Next();
            Sent++;
            var (status, answer) = await SendAsync(request, token);
            var key = $"{new Uri(request.Url).AbsolutePath} {status}";
            Statuses[key] = Statuses.GetValueOrDefault(key) + 1;
            if (status >= 500 && !(status == 503 && answer.Contains("no leading master", StringComparison.Ordinal)))
                Failures.Add((request, $"{status} {answer}"));
        }
    }

    private FuzzRequest Next()
    {
        var fill = (string template) => FuzzCorpus.Fill(template, targets.FrameworkId, targets.AgentId, "fuzz-task", "fuzz-executor", "fuzz-host");
        switch (random.Next(11))
        {
            case 0 or 1 or 2:
            {
                // Scheduler calls: half on the real subscription (its stream id), half without it or with a wrong one.
                var valid = fill(FuzzCorpus.SchedulerCalls[random.Next(FuzzCorpus.SchedulerCalls.Length)]);
                var streamId = random.Next(4) switch { 0 or 1 => targets.StreamId, 2 => null, _ => Guid.NewGuid().ToString() };
                return Json($"http://{targets.Master}/api/v1/scheduler", valid, streamId);
            }
            case 3 or 4:
                return Operator(fill(FuzzCorpus.OperatorCalls[random.Next(FuzzCorpus.OperatorCalls.Length)]));
            case 5:
                return random.Next(2) == 0
                    ? Json($"http://{targets.Master}/maintenance/schedule", fill(FuzzCorpus.MaintenanceSchedule))
                    : Json($"http://{targets.Master}/machine/{(random.Next(2) == 0 ? "down" : "up")}", fill(FuzzCorpus.MachineList));
            case 6:
                return Json($"http://{targets.Agent}/api/v1", AgentCalls[random.Next(AgentCalls.Length)].Replace("{PATH}", Path()));
            case 7:
                return Json($"http://{targets.Agent}/api/v1/executor", fill(FuzzCorpus.ExecutorCalls[random.Next(FuzzCorpus.ExecutorCalls.Length)]));
            case 8:
                return MasterReadsAndTeardown();
            default:
                return Files();
        }
    }

    private static readonly string[] AgentCalls =
    [
        """{"type":"GET_HEALTH"}""",
        """{"type":"LIST_FILES","list_files":{"path":"{PATH}"}}""",
        """{"type":"READ_FILE","read_file":{"path":"{PATH}","offset":0,"length":100}}""",
    ];

    private string Path() => targets.FilePaths.Count > 0 && random.Next(4) != 0
        ? targets.FilePaths[random.Next(targets.FilePaths.Count)] + (random.Next(2) == 0 ? "/stdout" : "")
        : "/";

    private FuzzRequest Json(string url, string valid, string? streamId = null) =>
        new("POST", url, "application/json", JsonMutator.Mutate(valid, random), streamId);

    private FuzzRequest Operator(string valid)
    {
        var url = $"http://{targets.Master}/api/v1";
        if (random.Next(3) != 0) return Json(url, valid);
        // MessagePack: the mutated document in MessagePack when it is still JSON, or the valid one with bytes changed.
        var mutated = JsonMutator.Mutate(valid, random);
        byte[] body;
        try
        {
            body = MessagePack.MessagePackSerializer.ConvertFromJson(Encoding.UTF8.GetString(mutated));
        }
        catch (Exception e) when (e is MessagePack.MessagePackSerializationException or FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            body = MessagePack.MessagePackSerializer.ConvertFromJson(valid);
            for (var i = 0; i < 1 + random.Next(4); i++) body[random.Next(body.Length)] = (byte)random.Next(256);
        }
        return new("POST", url, "application/x-msgpack", body, null);
    }

    private static readonly string[] QueryValues =
        ["", "-1", "-2", "0", "1", "9223372036854775807", "-9223372036854775808", "99999999999999999999", "1e3", "abc", "%00", "%ff%fe",
         "..%2f..%2f..%2fetc%2fpasswd", "/", "//", "%2e%2e", "a%0ab", new string('x', 5_000)];

    /// <summary>The master's list reads with odd query values, and the pre-v1 teardown with odd form bodies (never the fuzz's own framework).</summary>
    private FuzzRequest MasterReadsAndTeardown()
    {
        string Value() => QueryValues[random.Next(QueryValues.Length)];
        if (random.Next(4) == 0)
        {
            var form = random.Next(3) switch { 0 => "frameworkId=" + Value(), 1 => Value(), _ => "frameworkId=fuzz-nowhere&frameworkId=" + Value() };
            return new("POST", $"http://{targets.Master}/{(random.Next(2) == 0 ? "teardown" : "master/teardown")}", "application/x-www-form-urlencoded",
                Encoding.UTF8.GetBytes(form), null);
        }
        var path = random.Next(4) switch { 0 => "master/tasks", 1 => "master/frameworks", 2 => "master/state-summary", _ => "master/state" };
        var query = string.Join('&', Enumerable.Range(0, random.Next(4)).Select(_ =>
            (random.Next(4) switch { 0 => "limit", 1 => "offset", 2 => "framework_id", _ => "order" }) + "=" + Value()));
        return new("GET", $"http://{targets.Master}/{path}?{query}", null, null, null);
    }

    private FuzzRequest Files()
    {
        var endpoint = random.Next(3) switch { 0 => "read", 1 => "browse", _ => "download" };
        var parts = new List<string>();
        if (random.Next(5) != 0) parts.Add("path=" + (random.Next(2) == 0 ? Uri.EscapeDataString(Path()) : QueryValues[random.Next(QueryValues.Length)]));
        if (random.Next(2) == 0) parts.Add("offset=" + QueryValues[random.Next(QueryValues.Length)]);
        if (random.Next(2) == 0) parts.Add("length=" + QueryValues[random.Next(QueryValues.Length)]);
        if (random.Next(6) == 0) parts.Add(parts.Count > 0 ? parts[0] : "path=/"); // a repeated parameter
        return new("GET", $"http://{targets.Agent}/files/{endpoint}?{string.Join('&', parts.OrderBy(_ => random.Next()))}", null, null, null);
    }

    private static async Task<(int Status, string Answer)> SendAsync(FuzzRequest request, CancellationToken token)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
        if (request.Body is { } body)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType!);
        }
        if (request.StreamId is { } streamId) message.Headers.Add("Mesos-Stream-Id", streamId);
        message.Headers.Accept.ParseAdd("application/json");
        try
        {
            // Headers only: a SUBSCRIBE that succeeds streams events until it is dropped.
            using var response = await Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token);
            var status = (int)response.StatusCode;
            if (status < 400) return (status, "");
            var answer = await response.Content.ReadAsStringAsync(token);
            return (status, answer.Length > 500 ? answer[..500] : answer);
        }
        catch (HttpRequestException e)
        {
            // A server that drops the connection instead of answering is as bad as a 500.
            return (599, $"no answer: {e.Message}");
        }
        catch (TaskCanceledException) when (!token.IsCancellationRequested)
        {
            return (598, "no answer within the client's timeout");
        }
    }
}
