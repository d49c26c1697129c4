using System.Text;
using Mesos.HA.Protocol.Http;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

public class RecordIOTests
{
    /// <summary>A stream that hands out its bytes in the chunk sizes given (cycling), like a network would.</summary>
    private sealed class ChunkedStream(byte[] data, int[] chunks) : Stream
    {
        private int position;
        private int next;
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (position >= data.Length) return 0;
            var n = Math.Min(Math.Min(count, chunks[next++ % chunks.Length]), data.Length - position);
            Array.Copy(data, position, buffer, offset, n);
            position += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static readonly string[] Records = ["{\"type\":\"HEARTBEAT\"}", "{\"message\":\"héllo wörld ✓ 日本\"}", "", new string('x', 100_000)];

    [Theory]
    [InlineData(new[] { 1 })] // every record split byte by byte, multi-byte characters included
    [InlineData(new[] { 3, 7 })] // lengths split in the middle
    [InlineData(new[] { 1_000_000 })] // several records per chunk
    public async Task Records_SurviveAnyChunking(int[] chunks)
    {
        var bytes = Records.SelectMany(r => RecordIO.Frame(Encoding.UTF8.GetBytes(r))).ToArray();
        var reader = new RecordIOReader(new ChunkedStream(bytes, chunks));
        foreach (var expected in Records)
            Assert.Equal(expected, Encoding.UTF8.GetString((await reader.ReadAsync(CancellationToken.None))!));
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public void Frame_PrefixesTheByteLengthNotTheCharacterCount()
    {
        Assert.Equal("3\nhé", Encoding.UTF8.GetString(RecordIO.Frame(Encoding.UTF8.GetBytes("hé"))));
    }

    [Theory]
    [InlineData("x\n{}")]
    [InlineData("\n{}")]
    [InlineData("99999999999\n")]
    [InlineData("10\n{}")]
    [InlineData("12")]
    public async Task BrokenStreams_AreReported(string text)
    {
        var reader = new RecordIOReader(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        await Assert.ThrowsAsync<InvalidDataException>(async () => await reader.ReadAsync(CancellationToken.None));
    }
}
