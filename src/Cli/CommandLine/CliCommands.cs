using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Mesos.HA.Cli.Bench;
using Mesos.HA.Cli.Operator;

namespace Mesos.HA.Cli;

/// <summary>
/// The command tree of <c>mesos-ha</c>: every verb and option is declared once (in its command's file) and the help
/// (<c>--help</c> at any level) and shell completion (the <c>[suggest]</c> directive, for dotnet-suggest) are
/// generated from those declarations. A bad command line is one line on stderr and exit code 2.
/// </summary>
internal static class CliCommands
{
    public const int BadUsage = 2;

    /// <summary>The verbs; their actions run under <paramref name="token"/> (Ctrl-C, SIGTERM).</summary>
    public static RootCommand Root(CancellationToken token)
    {
        var root = new RootCommand("mesos-ha: a highly available cluster manager in the spirit of Apache Mesos. " + Declare.Layering(null) +
            " 'mesos-ha <command> --help' lists a command's options.");
        Command[] verbs =
        [
            MasterCommand.Verb(token),
            AgentCommand.Verb(token),
            DemoCommand.Verb(token),
            MembershipCommands.MastersVerb(token),
            MaintenanceCommands.Verb(token),
            .. StateCommands.Verbs(token),
            RunCommand.Verb(token),
            LogsCommand.Verb(token),
            LocalCommand.Verb(token),
            TlsCommand.Verb(),
            BenchCommands.Verb(token),
            SimulateCommand.Verb(),
            ReplayCommand.Verb(),
            NoopExecutorCommand.Verb(),
        ];
        foreach (var verb in verbs) root.Add(verb);
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. No arguments, or <c>help</c>, is <c>--help</c>. Exceptions (a
    /// <see cref="UsageException"/> included) leave to the caller, which prints them in one line.
    /// </summary>
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        if (args is [] or ["help"]) args = ["--help"];
        // No response files: an argument starting with '@' (a task's command, a label) is taken as it is, as before.
        var result = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Errors.Count > 0 && result.Action is not { ClearsParseErrors: true })
        {
            Console.Error.WriteLine($"mesos-ha: {OneLine(result)}");
            return BadUsage;
        }
        // The program handles Ctrl-C and SIGTERM itself (the token given to Root) and its own exceptions.
        return await result.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    /// <summary>The first problem of a command line that did not parse, in one line.</summary>
    public static string OneLine(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var unmatched = result.UnmatchedTokens;
        var options = unmatched.Where(t => t.StartsWith('-') && t.Length > 1).ToArray();
        if (options.Length > 0) return $"unknown option {string.Join(", ", options)} ({Synopsis(command, "--help")} lists them)";
        if (command.Subcommands.Count > 0 && command.Arguments.Count == 0)
        {
            var known = string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
            return unmatched.Count > 0
                ? $"unknown command '{$"{PathOf(command)} {unmatched[0]}".Trim()}' (one of: {known})"
                : $"{PathOf(command)} needs a command: {known}";
        }
        if (unmatched.Count > 0) return $"unexpected argument '{unmatched[0]}'; usage: {Synopsis(command)}";
        var error = result.Errors[0];
        return error.SymbolResult is OptionResult ? error.Message : $"{error.Message.TrimEnd('.')}; usage: {Synopsis(command)}";
    }

    /// <summary><c>mesos-ha masters add &lt;raft&gt; [options]</c>, from the declarations.</summary>
    public static string Synopsis(Command command, string? tail = null) =>
        string.Join(' ', new[] { "mesos-ha", PathOf(command) }
            .Concat(tail is not null ? [tail]
                : command.Arguments.Where(a => !a.Hidden).Select(a => a.Arity.MaximumNumberOfValues > 1 ? $"<{a.Name}>..." : $"<{a.Name}>").Append("[options]"))
            .Where(w => w.Length > 0));

    /// <summary>The verbs leading to <paramref name="command"/>: <c>masters add</c>; empty for the root.</summary>
    public static string PathOf(Command command)
    {
        var names = new List<string>();
        for (var c = command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
            names.Insert(0, c.Name);
        return string.Join(' ', names);
    }
}
