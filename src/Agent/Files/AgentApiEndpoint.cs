using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Mesos.HA.Agent.Files;

/// <summary>
/// The agent's operator API, <c>POST /api/v1</c>, in Mesos' v1 JSON: LIST_FILES, READ_FILE and GET_HEALTH.
/// Every other call of Mesos' agent API is answered 400 "not supported yet". 400 a malformed call, 405 not
/// a POST, 406 an Accept without JSON, 415 a body that is not JSON (the protobuf encoding is not spoken here).
/// </summary>
public sealed class AgentApiEndpoint(SandboxFiles files)
{
    public const string Path = "/api/v1";
    private const int MaxCallBytes = 64 * 1024;

    /// <summary>Mesos' agent calls this endpoint knows of but does not serve yet.</summary>
    public static readonly IReadOnlySet<string> NotSupportedYet = new SortedSet<string>(StringComparer.Ordinal)
    {
        "GET_FLAGS", "GET_VERSION", "GET_METRICS", "GET_LOGGING_LEVEL", "SET_LOGGING_LEVEL", "GET_STATE", "GET_CONTAINERS",
        "GET_FRAMEWORKS", "GET_EXECUTORS", "GET_OPERATIONS", "GET_TASKS", "GET_AGENT", "GET_RESOURCE_PROVIDERS",
        "LAUNCH_NESTED_CONTAINER", "WAIT_NESTED_CONTAINER", "KILL_NESTED_CONTAINER", "REMOVE_NESTED_CONTAINER",
        "LAUNCH_NESTED_CONTAINER_SESSION", "ATTACH_CONTAINER_INPUT", "ATTACH_CONTAINER_OUTPUT", "LAUNCH_CONTAINER",
        "WAIT_CONTAINER", "KILL_CONTAINER", "REMOVE_CONTAINER", "ADD_RESOURCE_PROVIDER_CONFIG",
        "UPDATE_RESOURCE_PROVIDER_CONFIG", "REMOVE_RESOURCE_PROVIDER_CONFIG", "MARK_RESOURCE_PROVIDER_GONE", "PRUNE_IMAGES",
    };

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "Expecting 'POST'").ConfigureAwait(false);
            return;
        }
        if (Protocol.Http.MediaTypes.OfContent(request.ContentType) != Protocol.Http.MessageEncoding.Json)
        {
            await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "Expecting 'Content-Type' of application/json").ConfigureAwait(false);
            return;
        }
        if (!AcceptsJson(request.Headers.Accept))
        {
            await RefuseAsync(context, StatusCodes.Status406NotAcceptable, "Expecting 'Accept' to allow application/json").ConfigureAwait(false);
            return;
        }
        var (status, text, response) = Handle(await ReadBodyAsync(request, context.RequestAborted).ConfigureAwait(false));
        if (response is null)
        {
            await RefuseAsync(context, status, text).ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, response, FilesJsonContext.Default.AgentResponseDto, context.RequestAborted)
            .ConfigureAwait(false);
    }

    /// <summary>One call's body to a response, or to a status and message when refused.</summary>
    private (int Status, string Error, AgentResponseDto? Response) Handle(byte[]? body)
    {
        if (body is null) return (StatusCodes.Status400BadRequest, $"the call is larger than {MaxCallBytes} bytes", null);
        AgentCallDto? call;
        try
        {
            call = JsonSerializer.Deserialize(body, FilesJsonContext.Default.AgentCallDto);
        }
        catch (JsonException e)
        {
            return (StatusCodes.Status400BadRequest, $"Failed to parse the call: {e.Message}", null);
        }
        try
        {
            return call?.Type switch
            {
                null => (StatusCodes.Status400BadRequest, "Expecting 'type' to be present", null),
                "GET_HEALTH" => (200, "", new AgentResponseDto("GET_HEALTH", GetHealth: new GetHealthResponseDto(true))),
                "LIST_FILES" => (200, "", ListFiles(call.ListFiles)),
                "READ_FILE" => (200, "", ReadFile(call.ReadFile)),
                var t when NotSupportedYet.Contains(t) => (StatusCodes.Status400BadRequest, $"{t} is not supported yet", null),
                var t => (StatusCodes.Status400BadRequest, $"Unknown call type '{t}'", null),
            };
        }
        catch (FilesException e)
        {
            return (FilesEndpoints.StatusOf(e.Kind), e.Message, null);
        }
    }

    private AgentResponseDto ListFiles(ListFilesCallDto? call)
    {
        if (call?.Path is null) throw FilesException.Invalid("Expecting 'list_files' with a 'path' to be present");
        var infos = files.Browse(call.Path).Select(e => new V1FileInfoDto(e.Path, e.Status.Nlink, e.Status.Size,
            new TimeInfoDto(e.Status.MtimeSeconds * 1_000_000_000), e.Status.Mode, AccountNames.User(e.Status.Uid), AccountNames.Group(e.Status.Gid)));
        return new AgentResponseDto("LIST_FILES", ListFiles: new ListFilesResponseDto([.. infos]));
    }

    private AgentResponseDto ReadFile(ReadFileCallDto? call)
    {
        if (call?.Path is null || call.Offset is null) throw FilesException.Invalid("Expecting 'read_file' with a 'path' and an 'offset' to be present");
        var chunk = files.Read(call.Path, call.Offset.Value, call.Length);
        return new AgentResponseDto("READ_FILE", ReadFile: new ReadFileResponseDto(chunk.Size, chunk.Data));
    }

    private static Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken token) =>
        Protocol.IO.BoundedRead.ToEndAsync(request.Body, MaxCallBytes, token);

    private static bool AcceptsJson(Microsoft.Extensions.Primitives.StringValues accept) =>
        Protocol.Http.MediaTypes.Accepted(accept) == Protocol.Http.MessageEncoding.Json;

    private static Task RefuseAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(error + "\n");
    }
}
