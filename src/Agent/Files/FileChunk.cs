namespace Mesos.HA.Agent.Files;

/// <summary>Bytes read from a file at an offset, with the file's size when it was read.</summary>
public sealed record FileChunk(long Size, byte[] Data);
