namespace Mesos.HA.Agent.Files;

/// <summary>Why a sandbox file request was refused; the HTTP edge maps each to a status code.</summary>
public enum FilesErrorKind
{
    /// <summary>400: no path, bad numbers, a directory where a file is wanted.</summary>
    Invalid,
    /// <summary>404: no such file, or not inside any attached sandbox.</summary>
    NotFound,
    /// <summary>403: the path tries to leave its sandbox (<c>..</c>, or a symlink resolving outside).</summary>
    Forbidden,
    /// <summary>500: the file exists and is confined but could not be read.</summary>
    Unknown,
}
