namespace Mesos.HA.Agent.Files;

/// <summary>
/// User and group names for listings, as Mesos shows them (<c>getpwuid</c>/<c>getgrgid</c>): read once from
/// <c>/etc/passwd</c> and <c>/etc/group</c>; an id with no name there is shown as its number.
/// </summary>
internal static class AccountNames
{
    private static readonly Lazy<IReadOnlyDictionary<uint, string>> Users = new(() => Read("/etc/passwd"));
    private static readonly Lazy<IReadOnlyDictionary<uint, string>> Groups = new(() => Read("/etc/group"));

    public static string User(uint uid) => Users.Value.TryGetValue(uid, out var name) ? name : uid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Group(uint gid) => Groups.Value.TryGetValue(gid, out var name) ? name : gid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>name:password:id:...</c> lines; the first name of an id wins, as with the C library.</summary>
    private static IReadOnlyDictionary<uint, string> Read(string file)
    {
        var names = new Dictionary<uint, string>();
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var fields = line.Split(':');
                if (fields.Length >= 3 && uint.TryParse(fields[2], out var id)) names.TryAdd(id, fields[0]);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* numbers only */ }
        return names;
    }
}
