using System.CommandLine;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Mesos.HA.Cli.Tests;

/// <summary>
/// The help is generated from the declarations: for every verb of the command tree, <c>mesos-ha &lt;verb&gt; --help</c>
/// (the real executable) lists exactly the options and subcommands declared for it (hidden ones excluded), and
/// shell completion answers from the same tree.
/// </summary>
public sealed partial class HelpTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EveryVerbsHelp_ListsExactlyItsDeclaredOptionsAndCommands()
    {
        var commands = Walk(CliCommands.Root(CancellationToken.None), []).ToArray();
        Assert.True(commands.Length > 25, $"only {commands.Length} commands in the tree");
        var failures = new List<string>();
        using var slots = new SemaphoreSlim(2);
        await Task.WhenAll(commands.Select(async entry =>
        {
            await slots.WaitAsync();
            try
            {
                var (exit, stdout, stderr) = await CliRunner.RunAsync(Wait, [.. entry.Path, "--help"]);
                var name = string.Join(' ', ["mesos-ha", .. entry.Path]);
                var listedOptions = Section(stdout, "Options:").SelectMany(OptionNames).Order(StringComparer.Ordinal).ToArray();
                var declaredOptions = Declared(entry.Command).Order(StringComparer.Ordinal).ToArray();
                var listedCommands = Section(stdout, "Commands:").Select(row => row.Split(' ')[0]).Order(StringComparer.Ordinal).ToArray();
                var declaredCommands = entry.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).Order(StringComparer.Ordinal).ToArray();
                lock (failures)
                {
                    if (exit != 0 || stderr.Length > 0) failures.Add($"{name} --help: exit {exit}, stderr {stderr}");
                    if (!listedOptions.SequenceEqual(declaredOptions))
                        failures.Add($"{name} --help lists options [{string.Join(' ', listedOptions)}], declared [{string.Join(' ', declaredOptions)}]");
                    if (!listedCommands.SequenceEqual(declaredCommands))
                        failures.Add($"{name} --help lists commands [{string.Join(' ', listedCommands)}], declared [{string.Join(' ', declaredCommands)}]");
                    if (!stdout.Contains($"Usage:\n  {name}", StringComparison.Ordinal)) failures.Add($"{name} --help has no usage line:\n{stdout}");
                }
            }
            finally
            {
                slots.Release();
            }
        }));
        output.WriteLine($"{commands.Length} commands' help checked");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void HiddenOptions_AreTheTestOnlyInjectedBugsOfTheMaster_Only()
    {
        var hidden = Walk(CliCommands.Root(CancellationToken.None), [])
            .SelectMany(e => e.Command.Options.Where(o => o.Hidden).Select(o => $"{string.Join(' ', e.Path)} {o.Name}")).ToArray();
        Assert.Equal(["master --inject-bug"], hidden);
    }

    [Fact]
    public async Task Completion_SuggestsVerbsAndOptions_FromTheDeclarations()
    {
        const string line = "mesos-ha bench fail";
        var verbs = await CliRunner.RunAsync(Wait, $"[suggest:{line.Length}]", line);
        Assert.Equal(0, verbs.Exit);
        Assert.Equal(["failover", "failover-e2e", "failover-scale", "dns-failover"], verbs.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        const string options = "mesos-ha agent --executor-re";
        var flags = await CliRunner.RunAsync(Wait, $"[suggest:{options.Length}]", options);
        Assert.Equal(["--executor-registration-timeout", "--executor-reregistration-timeout"],
            flags.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static IEnumerable<(string[] Path, Command Command)> Walk(Command command, string[] path)
    {
        yield return (path, command);
        foreach (var sub in command.Subcommands)
            foreach (var entry in Walk(sub, [.. path, sub.Name]))
                yield return entry;
    }

    /// <summary>The visible names and aliases of the options a command parses: its own and those it inherits (--help).</summary>
    private static IEnumerable<string> Declared(Command command)
    {
        var own = command.Options.Where(o => !o.Hidden);
        var inherited = Ancestors(command).SelectMany(a => a.Options.Where(o => o.Recursive && !o.Hidden));
        // System.CommandLine also parses the Windows-style /? and /h of --help and leaves them out of the help.
        return own.Concat(inherited).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => !n.StartsWith('/')).Distinct();
    }

    private static IEnumerable<Command> Ancestors(Command command)
    {
        for (var c = command.Parents.OfType<Command>().FirstOrDefault(); c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            yield return c;
    }

    /// <summary>The rows of a help section: lines indented by two spaces up to the next blank line (wrapped text is indented further).</summary>
    private static IEnumerable<string> Section(string help, string title)
    {
        var lines = help.Replace("\r", "").Split('\n');
        var at = Array.IndexOf(lines, title);
        if (at < 0) yield break;
        foreach (var line in lines.Skip(at + 1).TakeWhile(l => l.Length > 0))
            if (Row().IsMatch(line)) yield return line[2..];
    }

    /// <summary><c>-?, -h, --help  Show help</c> gives -?, -h and --help; <c>--raft &lt;host:port&gt;  ...</c> gives --raft.</summary>
    private static IEnumerable<string> OptionNames(string row) =>
        Regex.Split(row, @"\s{2,}")[0].Split(", ").Select(name => name.Split(' ')[0]);

    [GeneratedRegex(@"^  \S")]
    private static partial Regex Row();
}
