using CsCheck;
using MessagePack;
using Mesos.HA.Protocol.Agent;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

/// <summary>
/// The buffered frame reader reads what the unbuffered codec reads, however the stream splits the bytes and
/// whether frames fit its buffer or not. A failure prints CsCheck's seed; pass it as <c>seed:</c> to replay.
/// </summary>
public class FrameReaderTests
{
    /// <summary>Hands out its bytes in the given chunk sizes (cycled), as a socket or a TLS layer may.</summary>
    private sealed class ChunkedStream(byte[] data, int[] chunks) : MemoryStream(data)
    {
        private int next;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunks[next++ % chunks.Length])], token);
    }

    [Fact]
    public void GeneratedFrames_ReadAsTheUnbufferedCodecReadsThem_WhateverTheChunksAndBuffer()
    {
        Gen.Select(FrameCodecPropertyTests.GenMessage.List[1, 12], Gen.Int[1, 300].Array[1, 5], Gen.Int[16, 400]).Sample(sample =>
        {
            var (messages, chunks, bufferBytes) = sample;
            var bytes = messages.SelectMany((m, i) => FrameCodec.Encode(i, m)).ToArray();
            var reader = new FrameReader(new ChunkedStream(bytes, chunks), bufferBytes);
            var plain = new MemoryStream(bytes);
            for (var i = 0; i <= messages.Count; i++)
            {
                var buffered = reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                var expected = FrameCodec.ReadAsync(plain, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                if (expected is FrameRead.Ok ok)
                {
                    var read = Assert.IsType<FrameRead.Ok>(buffered);
                    Assert.Equal(ok.Frame.Term, read.Frame.Term);
                    Assert.Equal(MessagePackSerializer.Serialize(ok.Frame.Message), MessagePackSerializer.Serialize(read.Frame.Message));
                }
                else Assert.Equal(expected.GetType(), buffered.GetType());
            }
        }, iter: 1_000, threads: 1);
    }

    [Fact]
    public async Task FrameCutShort_IsClosed_InTheBufferAndBeyondIt()
    {
        var small = FrameCodec.Encode(1, new Ping(1));
        var large = FrameCodec.Encode(1, new ProtocolError(new string('x', 500)));
        Assert.IsType<FrameRead.Closed>(await new FrameReader(new MemoryStream(small[..^1]), 64).ReadAsync(CancellationToken.None));
        Assert.IsType<FrameRead.Closed>(await new FrameReader(new MemoryStream(large[..^1]), 64).ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task GarbagePayload_IsMalformed_AndTheNextFrameStillReads()
    {
        var reader = new FrameReader(new MemoryStream([0, 0, 0, 3, 0xc1, 0xc1, 0xc1, .. FrameCodec.Encode(1, new Ping(9))]));
        Assert.IsType<FrameRead.Malformed>(await reader.ReadAsync(CancellationToken.None));
        Assert.Equal(new Ping(9), Assert.IsType<FrameRead.Ok>(await reader.ReadAsync(CancellationToken.None)).Frame.Message);
        Assert.IsType<FrameRead.Closed>(await reader.ReadAsync(CancellationToken.None));
    }
}
