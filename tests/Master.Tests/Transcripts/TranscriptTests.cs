using System.Runtime.CompilerServices;
using Xunit;

namespace Mesos.HA.Master.Tests.Transcripts;

/// <summary>
/// The core's behaviour as scripted inputs and golden transcripts of its effects (<c>*.transcript</c> in
/// this folder). A changed behaviour fails here showing the whole expected and actual transcript; when the
/// change is intended, run with <c>REWRITE_TRANSCRIPTS=1</c> and read the diff before committing it.
/// </summary>
public sealed class TranscriptTests
{
    public static TheoryData<string> Files() => [.. Directory.GetFiles(Folder(), "*.transcript").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Files))]
    public void Transcript(string file)
    {
        var path = Path.Combine(Folder(), file);
        var blocks = TranscriptFile.Parse(File.ReadAllText(path));
        var driver = new CoreDriver();
        var actual = blocks.Select(b => (b, driver.Run(b.Command))).ToArray();
        var rendered = TranscriptFile.Render(actual);
        if (Environment.GetEnvironmentVariable("REWRITE_TRANSCRIPTS") == "1")
        {
            File.WriteAllText(path, rendered);
            return;
        }
        foreach (var (block, output) in actual)
            Assert.True(block.Expected.SequenceEqual(output),
                $"{file}:{block.Line}: {block.Command}\nexpected:\n  {string.Join("\n  ", block.Expected)}\nactual:\n  {string.Join("\n  ", output)}");
    }

    private static string Folder([CallerFilePath] string source = "") => Path.GetDirectoryName(source)!;
}
