using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mesos.HA.Agent.Files;

/// <summary>
/// Mesos' <c>/files/*</c> endpoints on the agent: <c>browse?path=</c> (a JSON array of entries),
/// <c>read?path=&amp;offset=&amp;length=</c> (<c>{"data","offset"}</c>; <c>offset=-1</c> or none answers the
/// file's size as the offset, with no data), <c>download?path=</c> (the bytes, as an attachment) and
/// <c>debug</c> (virtual path to real path of what is attached). 400 without a path, bad numbers or a
/// directory to read; 403 a path leaving its sandbox; 404 nothing there. The agent's operator API
/// (<see cref="AgentApiEndpoint"/>) is mapped with them.
/// </summary>
public static class FilesEndpoints
{
    public static void Map(IEndpointRouteBuilder app, SandboxFiles files)
    {
        app.MapGet("/files/browse", (HttpContext c) => Answer(() =>
        {
            var entries = files.Browse(c.Request.Query["path"]);
            return Results.Json(entries.Select(e => new FileEntryDto(e.Path, e.Status.Nlink, e.Status.Size, e.Status.MtimeSeconds,
                e.Status.ModeString(), AccountNames.User(e.Status.Uid), AccountNames.Group(e.Status.Gid))).ToArray(),
                FilesJsonContext.Default.FileEntryDtoArray);
        }));
        app.MapGet("/files/read", (HttpContext c) => Answer(() => Read(files, c.Request.Query)));
        app.MapGet("/files/download", (HttpContext c) => Answer(() =>
        {
            var (stream, name) = files.OpenDownload(c.Request.Query["path"]);
            return Results.File(stream, "application/octet-stream", fileDownloadName: name);
        }));
        app.MapGet("/files/debug", () => Results.Json(files.Catalog.Attached(), FilesJsonContext.Default.SortedDictionaryStringString));
        app.Map(AgentApiEndpoint.Path, new AgentApiEndpoint(files).HandleAsync);
    }

    private static IResult Read(SandboxFiles files, IQueryCollection query)
    {
        string? path = query["path"];
        if (string.IsNullOrEmpty(path)) throw FilesException.Invalid("Expecting 'path=value' in query.");
        var offset = Number(query, "offset") ?? -1;
        if (offset < -1) throw FilesException.Invalid($"Negative offset provided: {offset}.");
        var length = Number(query, "length");
        // As Mesos (the web UI's pailer sends it): length=-1 means no length.
        if (length < -1) throw FilesException.Invalid($"Negative length provided: {length}.");
        if (length == -1) length = null;
        if (offset == -1) return Results.Json(new FileReadDto("", files.Size(path)), FilesJsonContext.Default.FileReadDto);
        var chunk = files.Read(path, offset, length);
        // Text in a JSON string: a character cut at the end of the chunk is left for the next read.
        var text = Utf8Boundary.Decode(chunk.Data.AsSpan(0, Utf8Boundary.CompleteLength(chunk.Data)));
        return Results.Json(new FileReadDto(text, offset), FilesJsonContext.Default.FileReadDto);
    }

    private static long? Number(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values)) return null;
        return long.TryParse(values.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n : throw FilesException.Invalid($"Failed to parse {name}: '{values}' is not an integer.");
    }

    private static IResult Answer(Func<IResult> body)
    {
        try
        {
            return body();
        }
        catch (FilesException e)
        {
            return Results.Text(e.Message + "\n", "text/plain; charset=utf-8", statusCode: StatusOf(e.Kind));
        }
    }

    public static int StatusOf(FilesErrorKind kind) => kind switch
    {
        FilesErrorKind.Invalid => StatusCodes.Status400BadRequest,
        FilesErrorKind.NotFound => StatusCodes.Status404NotFound,
        FilesErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status500InternalServerError,
    };
}
