using System.CommandLine;
using System.Globalization;
using Mesos.HA.Cli.Local;

namespace Mesos.HA.Cli.Bench;

/// <summary>
/// Plain or secure runs of a benchmark: <c>--secure</c> runs it in secure mode (<see cref="LocalSecurity"/>: TLS on
/// every link, every realm authenticated, the restrictive ACL); <c>--compare-secure</c> runs it plain and then
/// secure in the same process, prints both RESULT lines and the secure mode's overhead.
/// </summary>
internal static class SecurityModes
{
    public static IEnumerable<Symbol> Flags() =>
    [
        Declare.Flag("secure", "run in secure mode: TLS everywhere (the cluster's own authority), credentials, a restrictive ACL"),
        Declare.Flag("compare-secure", "run plain, then secure, in this process; print both and the overhead"),
    ];

    /// <summary>The modes to run, in order: false plain, true secure.</summary>
    public static bool[] Of(ArgReader args)
    {
        var secure = args.Flag("secure");
        var compare = args.Flag("compare-secure");
        if (secure && compare) throw new UsageException("--secure and --compare-secure exclude each other");
        return compare ? [false, true] : [secure];
    }

    public static string Name(bool secure) => secure ? "secure" : "plain";

    /// <summary>Secure mode's material under <paramref name="root"/>, or null for a plain run.</summary>
    public static LocalSecurity? Create(bool secure, string root) => secure ? LocalSecurity.Create(root, DateTimeOffset.UtcNow) : null;

    /// <summary>
    /// <c>RESULT NAME-secure-overhead plain=P secure=S overhead_pct=X</c>: how much worse secure mode did, in percent of
    /// plain (positive: slower), whether the figure is a time (<paramref name="lowerIsBetter"/>) or a rate.
    /// </summary>
    public static string Overhead(string name, double plain, double secure, bool lowerIsBetter)
    {
        var overhead = lowerIsBetter ? (secure - plain) / plain : (plain - secure) / plain;
        return string.Create(CultureInfo.InvariantCulture,
            $"RESULT {name}-secure-overhead plain={plain:F0} secure={secure:F0} overhead_pct={overhead * 100:F1}");
    }
}
