using System.Text.RegularExpressions;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// Time is a seam: outside the composition roots, product code reads time only through an injected
/// <see cref="TimeProvider"/>, so that tests and a simulator control every clock. This scans the
/// sources of the master, agent, scheduler driver, contracts and command line for real-clock reads,
/// timers and delays that take no clock, and <c>TimeProvider.System</c>; files where that is right
/// are listed in <see cref="Allowed"/> with the reason. The scan is textual: it recognises a clock
/// argument by its name (<c>time</c>, <c>...Time</c>, <c>TimeProvider...</c>), the codebase's convention.
/// </summary>
public class ClockPurityTests
{
    private static readonly string[] Scanned = ["src/Master", "src/Agent", "src/SchedulerDriver", "src/Protocol", "src/Cli"];

    /// <summary>
    /// Files (or folders, ending in '/') that may read the real clock, and why. src/Replication is not
    /// scanned: it wraps DotNext's Raft, which runs on real timers; a simulation replaces it whole behind
    /// <c>IRegistryLeadership</c> (<see cref="RegistrySeamTests"/> keeps the leader's path on that interface).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Allowed = new Dictionary<string, string>
    {
        ["src/Master/MasterHost.cs"] = "composition root: gives the shells TimeProvider.System; host shutdown bound",
        ["src/Agent/AgentHost.cs"] = "composition root: gives the agent TimeProvider.System; host shutdown bound",
        ["src/SchedulerDriver/SchedulerDriverOptions.cs"] = "the driver is a library: its default clock is the real one, the framework's program being the composition root",
        ["src/Protocol/Common/Poll.cs"] = "polls real processes for tests and the CLI: the default clock is the real one; code under a simulated clock passes its own",
        ["src/Master/Bench/"] = "benchmark: measures real throughput and latency on purpose",
        ["src/Cli/Bench/"] = "benchmarks: measure real elapsed time on purpose",
        ["src/Cli/Local/"] = "local-cluster tooling: starts, waits for and stops real processes on the wall clock",
        ["src/Cli/DemoCommand.cs"] = "command setup (a composition root): times a real demo run and names its directory by the date",
        ["src/Cli/LocalCommand.cs"] = "command setup (a composition root): timestamps its console log and names its directory by the date",
        ["src/Cli/RunCommand.cs"] = "command setup (a composition root): bounds a real run and its teardown",
        ["src/Cli/Operator/MembershipCommands.cs"] = "command setup (a composition root): polls a real cluster and reports the elapsed time",
        ["src/Cli/Operator/LogsCommand.cs"] = "command setup (a composition root): polls a real agent's file every 500 ms while it follows a task",
        ["src/Cli/SecurityFlags.cs"] = "command setup (a composition root): a certificate given by --tls-* must be valid on the real date",
        ["src/Cli/TlsCommand.cs"] = "command setup (a composition root): certificates made by tls init are valid from the real date",
        ["src/Cli/SimulateCommand.cs"] = "command setup: times the simulator's runs on the wall clock to report its speed (the runs never read it)",
    };

    private static readonly (Regex Pattern, string Why)[] Reads =
    [
        (new(@"\bDateTime(Offset)?\s*\.\s*(UtcNow|Now|Today)\b"), "reads the real clock"),
        (new(@"\bStopwatch\b"), "measures real time (use TimeProvider.GetTimestamp / GetElapsedTime)"),
        (new(@"\bEnvironment\s*\.\s*TickCount"), "reads the real clock"),
        (new(@"\bThread\s*\.\s*Sleep\b"), "sleeps on the real clock"),
        (new(@"\bTimeProvider\s*\.\s*System\b"), "picks the real clock outside a composition root"),
        (new(@"\bnew\s+(System\.Threading\.)?Timer\s*\("), "starts a real-clock timer (use TimeProvider.CreateTimer)"),
        (new(@"\.\s*CancelAfter\s*\("), "cancels on the real clock (use new CancellationTokenSource(delay, time))"),
    ];

    /// <summary>Calls that run on the real clock unless one of their arguments is a clock.</summary>
    private static readonly (Regex Call, int MinArguments, string Why)[] NeedClock =
    [
        (new(@"\bTask\s*\.\s*Delay\s*\("), 1, "delays on the real clock (pass the TimeProvider)"),
        (new(@"\bnew\s+PeriodicTimer\s*\("), 1, "ticks on the real clock (pass the TimeProvider)"),
        (new(@"\bnew\s+CancellationTokenSource\s*\("), 1, "cancels on the real clock (pass the TimeProvider)"),
    ];

    /// <summary>Waits whose first argument is a timeout rather than a token.</summary>
    private static readonly Regex TimedWait = new(@"\.\s*(WaitAsync|Wait)\s*\(");

    private static readonly Regex ClockArgument = new(@"^(time|clock|[\w.]*\.Time|TimeProvider\.\w+)$");

    [Fact]
    public void ProductCode_ReadsTimeOnlyThroughAnInjectedTimeProvider_OutsideTheAllowList()
    {
        var root = PureCoreTests.RepositoryRoot();
        var offences = Scanned
            .SelectMany(folder => Directory.GetFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Select(file => Path.GetRelativePath(root, file).Replace('\\', '/'))
            .Where(path => !path.Contains("/obj/", StringComparison.Ordinal) && !path.Contains("/bin/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .SelectMany(path => Scan(path, File.ReadAllText(Path.Combine(root, path))))
            .ToArray();
        var unexplained = offences.Where(o => AllowedBy(o.Path) is null).Select(o => o.ToString()).ToArray();
        Assert.True(unexplained.Length == 0,
            "real-clock reads outside the composition roots (inject a TimeProvider, or add the file to ClockPurityTests.Allowed with a reason):\n"
            + string.Join("\n", unexplained));
        var stale = Allowed.Keys.Where(entry => !offences.Any(o => AllowedBy(o.Path) == entry)).ToArray();
        Assert.True(stale.Length == 0, "allow-list entries with nothing left to allow (remove them): " + string.Join(", ", stale));
    }

    /// <summary>Sources of randomness a seed does not decide.</summary>
    private static readonly (Regex Pattern, string Why)[] Unseeded =
    [
        (new(@"\bGuid\s*\.\s*NewGuid\b"), "draws a Guid from the machine (use SimLoop.NextGuid)"),
        (new(@"\bRandom\s*\.\s*Shared\b"), "draws from the process-wide generator (use SimLoop.Random)"),
        (new(@"\bnew\s+Random\s*\(\s*\)"), "an unseeded generator (use SimLoop.Random)"),
        (new(@"\bTask\s*\.\s*(Run|Delay|Yield)\b"), "leaves the simulation's one thread or its clock"),
        (new(@"\bThreadPool\b"), "leaves the simulation's one thread"),
    ];

    /// <summary>Code a simulation runs as it is: the simulator itself, and the product cores it drives beyond the master's.</summary>
    private static readonly string[] Simulated = ["tests/Simulation", "src/SchedulerDriver/Core"];

    /// <summary>
    /// The simulator replays a seed bit for bit only if nothing in it reads the real clock, draws
    /// randomness the seed does not decide, or runs work on another thread: every clock read, timer,
    /// Guid and random choice in tests/Simulation goes through its <c>SimLoop</c>, and the driver's
    /// core it runs takes its time and jitter from its inputs.
    /// </summary>
    [Fact]
    public void Simulator_TakesEveryChoiceFromItsSeed_AndEveryTimeFromItsLoop()
    {
        var root = PureCoreTests.RepositoryRoot();
        var offences = Simulated.SelectMany(folder => Directory.GetFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Select(file => Path.GetRelativePath(root, file).Replace('\\', '/'))
            .Where(path => !path.Contains("/obj/", StringComparison.Ordinal) && !path.Contains("/bin/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .SelectMany(path =>
            {
                var code = WithoutComments(File.ReadAllText(Path.Combine(root, path)));
                return Scan(path, code).Concat(Unseeded.SelectMany(u => u.Pattern.Matches(code).Select(m => new Offence(path, LineOf(code, m.Index), u.Why))));
            })
            .Select(o => o.ToString()).ToArray();
        Assert.True(offences.Length == 0, "the simulator must take time, randomness and threads only from its loop:\n" + string.Join("\n", offences));
    }

    [Fact]
    public void Scan_FindsEachKindOfRealClockRead_AndLetsInjectedTimeThrough()
    {
        const string source = """
            var now = DateTime.UtcNow;                          // 1
            var since = Stopwatch.GetTimestamp();
            await Task.Delay(10, token);
            using var timer = new PeriodicTimer(interval);
            attempt.CancelAfter(TimeSpan.FromSeconds(1));       // 5
            using var due = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await gate.WaitAsync(TimeSpan.FromSeconds(1), token);
            var clock = TimeProvider.System;
            // DateTime.UtcNow in a comment is fine
            await Task.Delay(interval, time, token);             // 10: fine from here on
            using var ok = new PeriodicTimer(interval, options.Time);
            using var linked = new CancellationTokenSource();
            using var bounded = new CancellationTokenSource(delay, time);
            await gate.WaitAsync(token);
            var later = time.GetUtcNow() + TimeSpan.FromSeconds(1);
            """;
        var lines = Scan("src/Master/Example.cs", source).Select(o => o.Line).Order().ToArray();
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], lines);
    }

    private static string? AllowedBy(string path) =>
        Allowed.Keys.FirstOrDefault(entry => entry.EndsWith('/') ? path.StartsWith(entry, StringComparison.Ordinal) : path == entry);

    public sealed record Offence(string Path, int Line, string Why)
    {
        public override string ToString() => $"{Path}:{Line} {Why}";
    }

    public static IEnumerable<Offence> Scan(string path, string source)
    {
        var code = WithoutComments(source);
        foreach (var (pattern, why) in Reads)
            foreach (Match m in pattern.Matches(code))
                yield return new(path, LineOf(code, m.Index), why);
        foreach (var (call, minArguments, why) in NeedClock)
            foreach (Match m in call.Matches(code))
            {
                var arguments = ArgumentsAt(code, m.Index + m.Length);
                if (arguments.Count >= minArguments && !arguments.Any(a => ClockArgument.IsMatch(a)))
                    yield return new(path, LineOf(code, m.Index), why);
            }
        foreach (Match m in TimedWait.Matches(code))
        {
            var arguments = ArgumentsAt(code, m.Index + m.Length);
            if (arguments.Count > 0 && !arguments[0].Contains("oken", StringComparison.Ordinal) && !arguments.Any(a => ClockArgument.IsMatch(a)))
                yield return new(path, LineOf(code, m.Index), "waits with a real-clock timeout (use .WaitAsync(timeout, time) or a delay on the TimeProvider)");
        }
    }

    /// <summary>The top-level arguments of the call whose '(' ends just before <paramref name="start"/>.</summary>
    private static List<string> ArgumentsAt(string code, int start)
    {
        var arguments = new List<string>();
        var depth = 0;
        var current = start;
        var inString = false;
        for (var i = start; i < code.Length; i++)
        {
            var c = code[i];
            if (c == '"' && code[i - 1] != '\\') inString = !inString;
            if (inString) continue;
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}' && depth > 0) depth--;
            else if (c == ')' || (c == ',' && depth == 0))
            {
                var argument = code[current..i].Trim();
                if (argument.Length > 0) arguments.Add(argument);
                if (c == ')') break;
                current = i + 1;
            }
        }
        return arguments;
    }

    /// <summary>Blanks out line comments (keeping line numbers); '//' inside a string literal is kept.</summary>
    private static string WithoutComments(string source) =>
        string.Join('\n', source.Split('\n').Select(line =>
        {
            var inString = false;
            for (var i = 0; i + 1 < line.Length; i++)
            {
                if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) inString = !inString;
                if (!inString && line[i] == '/' && line[i + 1] == '/') return line[..i];
            }
            return line;
        }));

    private static int LineOf(string code, int index) => code.AsSpan(0, index).Count('\n') + 1;
}
