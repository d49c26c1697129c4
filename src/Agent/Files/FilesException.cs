namespace Mesos.HA.Agent.Files;

/// <summary>An expected refusal of a sandbox file request (bad input, missing file, escape attempt): a clear message at the edge.</summary>
public sealed class FilesException(FilesErrorKind kind, string message) : Exception(message)
{
    public FilesErrorKind Kind { get; } = kind;

    public static FilesException Invalid(string message) => new(FilesErrorKind.Invalid, message);

    public static FilesException NotFound(string path) => new(FilesErrorKind.NotFound, $"'{path}' was not found");

    public static FilesException Forbidden(string message) => new(FilesErrorKind.Forbidden, message);
}
