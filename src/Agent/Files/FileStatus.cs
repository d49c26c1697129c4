namespace Mesos.HA.Agent.Files;

/// <summary>What a listing shows of one file, as <c>stat(2)</c> gives it (<see cref="Mode"/> holds the type and permission bits).</summary>
public sealed record FileStatus(uint Mode, uint Nlink, uint Uid, uint Gid, long Size, long MtimeSeconds)
{
    private const uint TypeMask = 0xF000;

    public bool IsDirectory => (Mode & TypeMask) == 0x4000;
    public bool IsRegular => (Mode & TypeMask) == 0x8000;
    public bool IsSymlink => (Mode & TypeMask) == 0xA000;

    /// <summary>As <c>ls -l</c> and Mesos' <c>/files/browse</c> write it: <c>-rw-r--r--</c>, <c>drwxr-xr-x</c>.</summary>
    public string ModeString()
    {
        var type = (Mode & TypeMask) switch
        {
            0x4000 => 'd', 0x2000 => 'c', 0x6000 => 'b', 0x1000 => 'p', 0xA000 => 'l', 0xC000 => 's', _ => '-',
        };
        Span<char> text = stackalloc char[10];
        text[0] = type;
        for (var i = 0; i < 9; i++) text[1 + i] = (Mode & (1u << (8 - i))) != 0 ? "rwx"[i % 3] : '-';
        return new string(text);
    }
}
