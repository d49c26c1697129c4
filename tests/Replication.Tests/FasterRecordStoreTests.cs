using System.Text;
using Mesos.HA.Replication.Storage;
using Xunit;

namespace Mesos.HA.Replication.Tests;

public sealed class FasterRecordStoreTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mesos-ha-tests", "store-" + Guid.NewGuid().ToString("N"));

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static Dictionary<string, string> AsText(RecoveredRecords r) =>
        r.Records.ToDictionary(kv => Encoding.UTF8.GetString(kv.Key), kv => Encoding.UTF8.GetString(kv.Value));

    [Fact]
    public async Task Checkpoint_ThenReopen_RecoversLastValuesAndDeletes_AndIndex()
    {
        using (var store = FasterRecordStore.Open(root, new FasterStoreOptions(), out var empty))
        {
            Assert.Empty(empty.Records);
            Assert.Equal(0, empty.Index);
            store.Upsert(B("a/1"), B("one"));
            store.Upsert(B("a/2"), B("two"));
            await store.CheckpointAsync(10, 1);
            store.Upsert(B("a/1"), B("uno"));
            store.Delete(B("a/2"));
            store.Upsert(B("f/9"), B("nine"));
            await store.CheckpointAsync(20, 2);
            store.Upsert(B("a/3"), B("after the checkpoint: not durable"));
        }
        using (FasterRecordStore.Open(root, new FasterStoreOptions(), out var recovered))
        {
            Assert.Equal(20, recovered.Index);
            Assert.Equal(2, recovered.Term);
            Assert.Equal(new Dictionary<string, string> { ["a/1"] = "uno", ["f/9"] = "nine" }, AsText(recovered));
        }
    }

    [Fact]
    public async Task ReplaceAll_SwitchesGeneration_AndSurvivesReopen()
    {
        using (var store = FasterRecordStore.Open(root, new FasterStoreOptions(), out _))
        {
            store.Upsert(B("a/old"), B("x"));
            await store.CheckpointAsync(5, 1);
            var before = store.GenerationName;
            await store.ReplaceAllAsync([new(B("a/new"), B("y"))], 50, 3);
            Assert.NotEqual(before, store.GenerationName);
            Assert.False(Directory.Exists(Path.Combine(root, before)));
        }
        using (FasterRecordStore.Open(root, new FasterStoreOptions(), out var recovered))
        {
            Assert.Equal(50, recovered.Index);
            Assert.Equal(new Dictionary<string, string> { ["a/new"] = "y" }, AsText(recovered));
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }
}
