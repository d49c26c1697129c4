namespace Mesos.HA.Agent.Files;

/// <summary>One entry of a directory listing: its virtual path and status.</summary>
public sealed record FileEntry(string Path, FileStatus Status);
