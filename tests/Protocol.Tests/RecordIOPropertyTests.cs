using System.Text;
using CsCheck;
using Mesos.HA.Protocol.Http;
using Xunit;

namespace Mesos.HA.Protocol.Tests;

/// <summary>
/// RecordIO reading under generated input: however the bytes are split, the same records come out;
/// random bytes end in records or <see cref="InvalidDataException"/>, nothing else. A failure prints
/// CsCheck's seed; pass it as <c>seed:</c> to replay.
/// </summary>
public class RecordIOPropertyTests
{
    private const int Iterations = 300;

    /// <summary>Hands out its bytes in the chunk sizes given (cycling), as a network would.</summary>
    private sealed class ChunkedStream(byte[] data, int[] chunks) : MemoryStream(data)
    {
        private int next;
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunks[next++ % chunks.Length]));
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunks[next++ % chunks.Length])], token);
    }

    private static readonly Gen<byte[][]> GenRecords =
        Gen.Frequency((4, Gen.Byte.Array[0, 64]), (1, Gen.Byte.Array[0, 70_000])).Array[0, 8];

    private static readonly Gen<int[]> GenChunks = Gen.Int[1, 100_000].Array[1, 6];

    /// <summary>Every record of the stream; an <see cref="InvalidDataException"/> ends it (the reader's documented refusal).</summary>
    private static async Task<(List<byte[]> Records, InvalidDataException? Error)> ReadAllAsync(Stream stream)
    {
        var reader = new RecordIOReader(stream);
        var records = new List<byte[]>();
        try
        {
            // Each record takes at least two bytes ("0\n"), so the stream's length bounds the loop.
            for (var i = 0; i <= stream.Length; i++)
            {
                if (await reader.ReadAsync(CancellationToken.None) is not { } record) return (records, null);
                records.Add(record);
            }
            throw new InvalidOperationException("the reader returned more records than the stream can hold");
        }
        catch (InvalidDataException e)
        {
            return (records, e);
        }
    }

    [Fact]
    public void AnySplitOfAValidStream_ReadsTheSameRecords()
    {
        Gen.Select(GenRecords, GenChunks).Sample(sample =>
        {
            var (records, chunks) = sample;
            var bytes = records.SelectMany(r => RecordIO.Frame(r)).ToArray();
            var (read, error) = ReadAllAsync(new ChunkedStream(bytes, chunks)).GetAwaiter().GetResult();
            Assert.Null(error);
            Assert.Equal(records.Length, read.Count);
            for (var i = 0; i < records.Length; i++) Assert.Equal(records[i], read[i]);
        }, iter: Iterations, threads: 1, print: s => $"{s.Item1.Length} records, chunks [{string.Join(",", s.Item2)}]");
    }

    [Fact]
    public void RandomBytes_GiveRecordsOrTheReadersError_NeverAnotherException()
    {
        var digitsHeavy = Gen.Frequency((3, Gen.Byte), (2, Gen.Byte[(byte)'0', (byte)'9']), (1, Gen.Const((byte)'\n')));
        Gen.Select(digitsHeavy.Array[0, 300], GenChunks).Sample(sample =>
        {
            var (bytes, chunks) = sample;
            var (read, _) = ReadAllAsync(new ChunkedStream(bytes, chunks)).GetAwaiter().GetResult();
            Assert.True(read.Sum(r => r.Length + 2) <= bytes.Length, "records hold no more bytes than the stream");
        }, iter: Iterations * 10, threads: 1, print: s => Convert.ToHexString(s.Item1));
    }

    [Fact]
    public void MutatedValidStream_GivesRecordsOrTheReadersError()
    {
        Gen.Select(GenRecords, Gen.Int[0, int.MaxValue], Gen.Byte).Sample(sample =>
        {
            var (records, at, value) = sample;
            var bytes = records.SelectMany(r => RecordIO.Frame(r)).ToArray();
            if (bytes.Length > 0) bytes[at % bytes.Length] = value;
            _ = ReadAllAsync(new ChunkedStream(bytes, [7, 1, 4096])).GetAwaiter().GetResult();
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public async Task HugeLengthPrefix_IsRefusedBeforeAllocating()
    {
        var (read, error) = await ReadAllAsync(new MemoryStream(Encoding.ASCII.GetBytes("99999999999999999999\n")));
        Assert.Empty(read);
        Assert.Contains("exceeds the limit", error!.Message);
    }
}
