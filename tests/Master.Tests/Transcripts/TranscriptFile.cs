namespace Mesos.HA.Master.Tests.Transcripts;

/// <summary>
/// A transcript: blocks of one command, a <c>----</c> line, and the output expected from it, separated by
/// blank lines; lines starting with <c>#</c> outside a block's output are comments. The same shape as
/// etcd-raft's data-driven tests.
/// </summary>
internal sealed record TranscriptBlock(IReadOnlyList<string> Comments, string Command, IReadOnlyList<string> Expected, int Line);

internal static class TranscriptFile
{
    public const string Separator = "----";

    public static IReadOnlyList<TranscriptBlock> Parse(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var blocks = new List<TranscriptBlock>();
        var i = 0;
        while (i < lines.Length)
        {
            var comments = new List<string>();
            while (i < lines.Length && (lines[i].Length == 0 || lines[i].StartsWith('#')))
            {
                if (lines[i].Length > 0) comments.Add(lines[i]);
                i++;
            }
            if (i >= lines.Length) break;
            var at = i + 1;
            var command = lines[i++];
            if (i >= lines.Length || lines[i] != Separator)
                throw new FormatException($"line {at}: '{command}' must be followed by a '{Separator}' line");
            i++;
            var expected = new List<string>();
            while (i < lines.Length && lines[i].Length > 0) expected.Add(lines[i++]);
            blocks.Add(new TranscriptBlock(comments, command, expected, at));
        }
        return blocks;
    }

    public static string Render(IEnumerable<(TranscriptBlock Block, IReadOnlyList<string> Output)> blocks) =>
        string.Join("\n", blocks.Select(b =>
            string.Concat(b.Block.Comments.Select(c => c + "\n")) + b.Block.Command + "\n" + Separator + "\n"
            + string.Concat(b.Output.Select(o => o + "\n")))) ;
}
