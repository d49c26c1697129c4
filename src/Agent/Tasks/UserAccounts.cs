using System.Runtime.InteropServices;

namespace Mesos.HA.Agent.Tasks;

/// <summary>The machine's accounts through libc: <c>getpwnam_r(3)</c> to find a user, <c>lchown(2)</c> to give it a file.</summary>
public static partial class UserAccounts
{
    private const int ERANGE = 34;
    private const int MaxBufferBytes = 1 << 20;

    /// <summary>glibc's <c>struct passwd</c> (Linux): the strings point into the caller's buffer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public IntPtr Name;
        public IntPtr Password;
        public uint Uid;
        public uint Gid;
        public IntPtr Gecos;
        public IntPtr Directory;
        public IntPtr Shell;
    }

    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetPwNamR(string name, out Passwd entry, byte[] buffer, nuint length, out IntPtr result);

    [LibraryImport("libc", EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LChown(string path, uint uid, uint gid);

    /// <summary>The user named <paramref name="name"/>, or null when the machine has no such account.</summary>
    /// <exception cref="IOException">The account database could not be read.</exception>
    public static UnixUser? Lookup(string name)
    {
        if (name.Length == 0 || name.Contains('\0')) return null;
        for (var size = 1024; size <= MaxBufferBytes; size *= 4)
        {
            var buffer = new byte[size];
            var error = GetPwNamR(name, out var entry, buffer, (nuint)buffer.Length, out var found);
            if (error == ERANGE) continue;
            if (error != 0) throw new IOException($"getpwnam_r('{name}') failed with errno {error}");
            return found == IntPtr.Zero ? null : new UnixUser(name, entry.Uid, entry.Gid);
        }
        throw new IOException($"getpwnam_r('{name}'): the account entry is larger than {MaxBufferBytes} bytes");
    }

    /// <summary>Gives <paramref name="path"/> to <paramref name="user"/> (<c>lchown(2)</c>: a symbolic link is not followed).</summary>
    public static void GiveTo(string path, UnixUser user)
    {
        if (LChown(path, user.Uid, user.Gid) != 0)
            throw new IOException($"chown {path} to {user.Name} failed with errno {Marshal.GetLastPInvokeError()}");
    }
}
