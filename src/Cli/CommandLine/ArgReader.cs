using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Configuration;
namespace Mesos.HA.Cli;

/// <summary>
/// The one options model of every command: a value given on the command line (declared with
/// System.CommandLine, see <see cref="Declare"/>), else the environment variable <c>MESOS_HA_NAME</c>
/// (upper case, dashes as underscores), else the command's section of <c>appsettings.json</c> (in the
/// working directory, or <c>--config FILE</c>): <c>{"master": {"raft": "10.0.0.1:7001", ...}, "agent": {...}}</c>.
/// Values are read as text and checked here, whichever layer gave them, so a bad value reads the same
/// from a flag, a variable or the file. Every problem becomes a <see cref="UsageException"/> (one line, exit code 2).
/// </summary>
internal sealed class ArgReader
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);
    private readonly Microsoft.Extensions.Configuration.IConfigurationSection? file;

    /// <summary>
    /// The options given on the command line of <paramref name="result"/>'s command, with the environment behind them
    /// and, when <paramref name="section"/> names a settings section (master, agent), the settings file behind that.
    /// </summary>
    public ArgReader(ParseResult result, string? section)
    {
        foreach (var given in result.CommandResult.Children.OfType<OptionResult>().Where(o => !o.Implicit))
        {
            var option = given.Option;
            if (option is HelpOption or VersionOption) continue;
            values[option.Name.TrimStart('-')] = option.Arity.MaximumNumberOfValues == 0 ? null
                : string.Join(' ', given.Tokens.Select(t => t.Value));
        }
        if (section is not null) file = SettingsFile(section);
    }

    private Microsoft.Extensions.Configuration.IConfigurationSection? SettingsFile(string section)
    {
        var path = values.GetValueOrDefault("config");
        used.Add("config");
        if (path is not null && !File.Exists(path)) throw new UsageException($"--config: {path} does not exist");
        path ??= File.Exists("appsettings.json") ? Path.GetFullPath("appsettings.json") : null;
        if (path is null) return null;
        try
        {
            return new Microsoft.Extensions.Configuration.ConfigurationBuilder()
                .AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build().GetSection(section);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException)
        {
            throw new UsageException($"{path}: {e.Message.Split('\n')[0]}");
        }
    }

    public string Required(string name) => Optional(name) ?? throw new UsageException($"--{name} is required");

    public string? Optional(string name)
    {
        used.Add(name);
        if (values.TryGetValue(name, out var v)) return v;
        return Environment.GetEnvironmentVariable(EnvironmentName(name)) is { Length: > 0 } env ? env : file?[name];
    }

    public bool Flag(string name)
    {
        used.Add(name);
        if (values.ContainsKey(name)) return true;
        var setting = Environment.GetEnvironmentVariable(EnvironmentName(name)) ?? file?[name];
        return setting is not null && (bool.TryParse(setting, out var on) ? on
            : throw new UsageException($"{EnvironmentName(name)} / {name}: expected true or false, not '{setting}'"));
    }

    /// <summary><c>data-dir</c> is <c>MESOS_HA_DATA_DIR</c>.</summary>
    public static string EnvironmentName(string name) => "MESOS_HA_" + name.ToUpperInvariant().Replace('-', '_');

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Optional(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, out var v) || v < min || v > max)
            throw new UsageException($"--{name} must be an integer between {min} and {max}, not '{text}'");
        return v;
    }

    /// <summary>
    /// A duration written as Mesos writes it (<c>500ms</c>, <c>5secs</c>, <c>1mins</c>); <paramref name="fallback"/> when not given.
    /// No duration, or zero when <paramref name="zeroAllowed"/> is false, is a <see cref="UsageException"/> naming the option.
    /// </summary>
    public TimeSpan Duration(string name, TimeSpan fallback, bool zeroAllowed)
    {
        var text = Optional(name);
        if (text is null) return fallback;
        if (!Mesos.HA.Protocol.MesosDuration.TryParse(text, out var duration))
            throw new UsageException($"--{name} must be a duration such as 500ms, 5secs or 1mins (units ns, us, ms, secs, mins, hrs, days, weeks), not '{text}'");
        var span = duration.ToTimeSpan();
        if (span == TimeSpan.Zero && !zeroAllowed) throw new UsageException($"--{name} must be longer than 0, not '{text}'");
        return span;
    }

    /// <summary>
    /// Fails on an option given but never read: the parser already refuses undeclared ones, so this catches a
    /// declaration the command does not use (its help would list an option that does nothing).
    /// </summary>
    public void EnsureAllUsed()
    {
        var unknown = values.Keys.Where(k => !used.Contains(k)).Order(StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0) throw new UsageException("unknown option " + string.Join(", ", unknown.Select(k => "--" + k)));
    }
}

/// <summary>Bad command line: printed as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
