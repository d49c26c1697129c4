using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Mesos.HA.Agent.Files;

/// <summary>
/// The few file system calls .NET does not offer: <c>realpath(3)</c> (every symlink resolved, as the kernel
/// would) and <c>statx(2)</c> (link count, owner, full mode; its layout is the same on every architecture,
/// unlike <c>struct stat</c>). Linux only, as the agent is.
/// </summary>
internal static unsafe partial class NativeFiles
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7FF;
    private const int StatxBytes = 256;

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint RealPathNative(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);

    /// <summary>The canonical absolute path of <paramref name="path"/>, or null when it (or a component) does not exist or cannot be searched.</summary>
    public static string? RealPath(string path)
    {
        var resolved = RealPathNative(path, 0);
        if (resolved == 0) return null;
        try { return Marshal.PtrToStringUTF8(resolved); }
        finally { Free(resolved); }
    }

    /// <summary>The status of <paramref name="path"/> (of a symlink itself when <paramref name="followLinks"/> is false), or null when it is gone.</summary>
    public static FileStatus? Stat(string path, bool followLinks) =>
        StatAt(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow);

    /// <summary>The status of an open file.</summary>
    public static FileStatus? Stat(SafeFileHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try { return StatAt((int)handle.DangerousGetHandle(), "", AtEmptyPath); }
        finally { if (added) handle.DangerousRelease(); }
    }

    /// <summary>The path the kernel holds for an open file (<c>/proc/self/fd</c>), or null where /proc is not there.</summary>
    public static string? OpenedPath(SafeFileHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var link = $"/proc/self/fd/{(int)handle.DangerousGetHandle()}";
            return new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private static FileStatus? StatAt(int directory, string path, int flags)
    {
        var buffer = stackalloc byte[StatxBytes];
        if (Statx(directory, path, flags, StatxBasicStats, buffer) != 0) return null;
        var s = new ReadOnlySpan<byte>(buffer, StatxBytes);
        // struct statx: stx_nlink @16, stx_uid @20, stx_gid @24, stx_mode @28 (u16), stx_size @40, stx_mtime.tv_sec @112.
        return new FileStatus(
            Mode: BinaryPrimitives.ReadUInt16LittleEndian(s[28..]),
            Nlink: BinaryPrimitives.ReadUInt32LittleEndian(s[16..]),
            Uid: BinaryPrimitives.ReadUInt32LittleEndian(s[20..]),
            Gid: BinaryPrimitives.ReadUInt32LittleEndian(s[24..]),
            Size: (long)BinaryPrimitives.ReadUInt64LittleEndian(s[40..]),
            MtimeSeconds: BinaryPrimitives.ReadInt64LittleEndian(s[112..]));
    }
}
