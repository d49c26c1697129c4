using System.CommandLine;
using Mesos.HA.Master.Core.Replay;

namespace Mesos.HA.Cli;

/// <summary>
/// <c>mesos-ha replay</c>: feeds journals of leaderships (written by <c>mesos-ha master --record-inputs</c>
/// or <c>mesos-ha simulate --record</c>) to a fresh core, checks that each decision gives the effects the
/// live core gave, and with <c>--verbose</c> prints every input and its effects.
/// </summary>
internal static class ReplayCommand
{
    public static Command Verb()
    {
        var journals = new Argument<string[]>("journal")
        {
            Description = "a leadership's input journal (term-T-PREFIX.journal)", Arity = ArgumentArity.OneOrMore,
        };
        var verbose = Declare.Flag("verbose", "every input, at its time since the leadership started, and the effects it gave");
        return Declare.Verb("replay",
            "Feed a leadership's journaled inputs to a fresh core and check each decision gives the recorded effects. " +
            "Exit status: 0 when every journal replays to the effects recorded with it, 1 when one departs, 2 when one is unreadable.",
            [journals, verbose],
            (result, args) =>
            {
                var files = result.GetValue(journals) ?? [];
                var on = args.Flag("verbose");
                args.EnsureAllUsed();
                return Task.FromResult(Run(files, on));
            });
    }

    public static int Run(IReadOnlyList<string> files, bool verbose)
    {
        var status = 0;
        foreach (var file in files)
        {
            try
            {
                using var journal = File.OpenRead(file);
                DateTimeOffset? start = null;
                var result = MasterReplay.Run(journal, verbose ? (entry, effects) =>
                {
                    start ??= entry.At;
                    Console.WriteLine($"  +{(entry.At - start.Value).TotalMilliseconds:F0}ms {Describe.Input(entry.Input)}");
                    foreach (var effect in effects) Console.WriteLine($"      -> {Describe.Effect(effect)}");
                } : null);
                var verdict = result.DivergedAt is { } at
                    ? $"DEPARTS from the recorded effects at input {at}"
                    : result.Checked == 0 ? "no recorded effects to compare" : "replays to the recorded effects";
                Console.WriteLine($"{file}: term {result.Term}, {result.Inputs} inputs ({result.Checked} checked), {result.Effects} effects, digest {result.Digest}: {verdict}");
                if (result.DivergedAt is not null) status = Math.Max(status, 1);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"mesos-ha: {file}: {e.Message}");
                status = 2;
            }
        }
        return status;
    }
}
