using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>The leadership's sender: decision order, pipelined registry writes, no message ahead of a write decided before it.</summary>
public sealed class OrderedSenderTests
{
    private static readonly FrameworkId F1 = new("f1");
    private readonly List<string> log = [];
    private readonly Dictionary<string, TaskCompletionSource<MasterInput?>> commits = [];
    private Func<Task<bool>> lease = () => Task.FromResult(true);

    private OrderedSender Sender(Func<MasterInput, IReadOnlyList<Effect>>? followUp = null) => new(
        command =>
        {
            var key = Key(command);
            log.Add("start " + key);
            var commit = new TaskCompletionSource<MasterInput?>(TaskCreationOptions.RunContinuationsAsynchronously);
            commits[key] = commit;
            return commit.Task;
        },
        outcome =>
        {
            log.Add("outcome " + Key(((RegistryWriteCommitted)outcome).Command));
            return Task.FromResult<IReadOnlyList<Effect>?>(followUp?.Invoke(outcome) ?? []);
        },
        effect => log.Add("carry " + effect.GetType().Name),
        effect => log.Add("send " + ((SendUpdate)effect).Task.Value),
        () => false,
        () => lease());

    private static string Key(RegistryCommand command) => ((RemoveFramework)command).Id.Value;

    private static ProposeRegistry Write(string framework) => new(new RemoveFramework(new FrameworkId(framework)));

    private static SendUpdate Message(string task) => new(F1, new TaskId(task), TaskState.Lost, "", "");

    private void Commit(string key) => commits[key].SetResult(new RegistryWriteCommitted(new RemoveFramework(new FrameworkId(key))));

    /// <summary>
    /// A message waits until the leader lease holds: a leader that wakes from a pause deposed sends
    /// nothing it decided before (the simulator found its offers arriving seconds after a new election).
    /// </summary>
    [Fact]
    public async Task Messages_WaitForTheLeaderLease_AndAreNeverSentWhenLeadershipEndsFirst()
    {
        var renewed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lease = () => renewed.Task;
        var sender = Sender();
        var sending = sender.SendAsync(new DecisionInFlight([Write("w1"), Message("m1")], null));
        Commit("w1");
        await Poll.UntilAsync("the write settled", () => log.Contains("outcome w1"), TimeSpan.FromSeconds(10), () => string.Join(", ", log));
        Assert.DoesNotContain("send m1", log);
        renewed.SetResult(true);
        await sending;
        Assert.Equal("send m1", log[^1]);

        var lapsed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lease = () => lapsed.Task;
        var second = sender.SendAsync(new DecisionInFlight([Message("m2")], null));
        lapsed.SetResult(false); // the leadership ended while the lease was out
        await second;
        Assert.DoesNotContain("send m2", log);
    }

    [Fact]
    public async Task WritesWithNoMessageBetween_StartTogether_AndTheirDecisionsAreReleasedOnceSettled()
    {
        var sender = Sender();
        var first = new TaskCompletionSource<IReadOnlyList<Effect>?>();
        var second = new TaskCompletionSource<IReadOnlyList<Effect>?>();
        await sender.SendAsync(new DecisionInFlight([Write("w1"), AllocationWanted.Instance], first));
        await sender.SendAsync(new DecisionInFlight([Write("w2")], second));
        Assert.Equal(["start w1", "carry AllocationWanted", "start w2"], log);
        Assert.False(first.Task.IsCompleted);

        var settled = sender.SettleAsync();
        Commit("w2");
        Commit("w1");
        Assert.True(await settled);
        Assert.Equal(["start w1", "carry AllocationWanted", "start w2", "outcome w1", "outcome w2"], log);
        Assert.Equal(3, (await first.Task)!.Count + (await second.Task)!.Count);
    }

    [Fact]
    public async Task AMessage_WaitsForEveryWriteDecidedBeforeIt_AndTheFollowUpsOfThoseWrites()
    {
        var sender = Sender(outcome => Key(((RegistryWriteCommitted)outcome).Command) == "w1" ? [Message("follow-up")] : []);
        var withFollowUp = new TaskCompletionSource<IReadOnlyList<Effect>?>();
        await sender.SendAsync(new DecisionInFlight([Write("w1")], withFollowUp));
        var next = sender.SendAsync(new DecisionInFlight([Message("m2")], null));
        Assert.False(next.IsCompleted); // m2 waits for w1

        Commit("w1");
        await next;
        Assert.Equal(["start w1", "outcome w1", "send follow-up", "send m2"], log);
        Assert.Equal([Write("w1"), Message("follow-up")], await withFollowUp.Task);
    }

    [Fact]
    public async Task ALeadershipThatEnds_ReleasesWhoeverWaits_AndSendsNothingMore()
    {
        var sender = Sender();
        var waiting = new TaskCompletionSource<IReadOnlyList<Effect>?>();
        var send = sender.SendAsync(new DecisionInFlight([Write("w1"), Message("after")], waiting));
        Assert.False(send.IsCompleted); // the message is held behind w1, whose outcome says the leadership ended
        commits["w1"].SetResult(null);
        await send;
        sender.AbandonAll();
        Assert.Null(await waiting.Task); // not "done": the caller hears the leadership ended
        Assert.DoesNotContain("send after", log);
    }
}
