using System.CommandLine;

namespace Mesos.HA.Cli;

/// <summary>
/// How the verbs declare their options: every value is read as text (<see cref="Option{T}"/> of string, or a bool flag
/// that takes no value) so that <see cref="ArgReader"/> checks it the same way whether it came from the command line,
/// the environment or the settings file. The help text is generated from these declarations.
/// </summary>
internal static class Declare
{
    /// <summary><c>--name &lt;helpName&gt;</c>: one value.</summary>
    public static Option<string> Value(string name, string helpName, string description) =>
        new("--" + name) { HelpName = helpName, Description = description };

    /// <summary><c>--name</c>: a switch with no value (true when given; MESOS_HA_NAME=true|false or the settings file otherwise).</summary>
    public static Option<bool> Flag(string name, string description) =>
        new("--" + name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary><c>--masters</c> of the operator verbs, read by <see cref="Operator.OperatorClient.Masters"/>.</summary>
    public static Option<string> Masters() =>
        Value("masters", "host:port,...", "the masters' HTTP addresses (any of them: a follower names the leader; default 127.0.0.1:5050)");

    public static Option<bool> Json() => Flag("json", "print the answer as JSON");

    public static Option<string> LogLevel(string name, string fallback) =>
        Value(name, "level", $"Trace, Debug, Information, Warning, Error (default {fallback})");

    public static Option<bool> Keep() => Flag("keep", "keep the run's data directory instead of deleting it");

    /// <summary>
    /// A verb whose options <paramref name="run"/> reads through an <see cref="ArgReader"/>; with a
    /// <paramref name="section"/>, also <c>--config FILE</c> and that section of the settings file.
    /// </summary>
    public static Command Verb(string name, string description, IEnumerable<Symbol> symbols,
        Func<ParseResult, ArgReader, Task<int>> run, string? section = null)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            if (symbol is Option option) command.Add(option);
            else command.Add((Argument)symbol);
        }
        if (section is not null)
            command.Add(Value("config", "file", $"settings file whose \"{section}\" section gives defaults (default ./appsettings.json)"));
        command.SetAction(result => run(result, new ArgReader(result, section)));
        return command;
    }

    /// <summary>The environment and settings-file layering, for the root's and a verb's description.</summary>
    public static string Layering(string? section) => section is null
        ? "An option not given on the command line is read from the environment variable MESOS_HA_<NAME> (upper case, dashes as underscores)."
        : $"An option not given is read from MESOS_HA_<NAME> (upper case, dashes as underscores), else from the \"{section}\" section of appsettings.json (or --config).";
}
