using Mesos.HA.Protocol.Registry;
using Mesos.HA.Replication;
using Mesos.HA.Replication.Registry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Mesos.HA.Master.Tests;

/// <summary>
/// Requests held while nobody is known to lead wake when the master learns something, not by polling:
/// the clock is fake and only moves when a test moves it, so a waiter that returned before its bound
/// was woken by the signal.
/// </summary>
public sealed class LeaderWaitTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(20);

    /// <summary>A registry whose leadership the test sets.</summary>
    private sealed class Leadership : IRegistryLeadership
    {
        public event Action<LeadershipTerm>? BecameLeader;
        public event Action<long>? LostLeadership { add { } remove { } }
        public bool IsLeader { get; private set; }
        public long Term => 7;
        public LeaderInfo? Leader { get; set; }
        public bool LeaderQuiet { get; set; }
        public Registry LocalRegistry => Registry.Empty;
        public InjectedBugs InjectedBugs => InjectedBugs.None;
        public Task<CommandResult> ProposeAsync(RegistryCommand command, CancellationToken token = default) => Task.FromResult(CommandResult.Applied());

        public void Elect()
        {
            IsLeader = true;
            Leader = new LeaderInfo("127.0.0.1:1", "127.0.0.1:2", IsLocal: true);
            BecameLeader?.Invoke(new LeadershipTerm(Term, CancellationToken.None));
        }
    }

    private static (Leadership Registry, FakeTimeProvider Time, LeaderShell Shell) Start()
    {
        var registry = new Leadership();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        return (registry, time, new LeaderShell(registry, new LeaderShellOptions(), time, new EffectRouter(), NullLogger.Instance));
    }

    [Fact]
    public async Task AHeldRequest_WakesWhenThisMasterStartsLeading_WithoutTheClockMoving()
    {
        var (registry, time, shell) = Start();
        await using var _ = shell;
        var held = LeaderWait.ResolveAsync(registry, shell, time, CancellationToken.None);
        Assert.False(held.IsCompleted);
        registry.Elect();
        Assert.Equal((true, null), await held.WaitAsync(Bounded));
    }

    [Fact]
    public async Task AHeldRequest_WakesWhenTheMasterLearnsWhereTheLeaderIs()
    {
        var (registry, time, shell) = Start();
        await using var _ = shell;
        registry.Leader = new LeaderInfo("127.0.0.1:9", HttpAddress: "", IsLocal: false); // known, its address not yet
        var held = LeaderWait.ResolveAsync(registry, shell, time, CancellationToken.None);
        var learnt = new LeaderInfo("127.0.0.1:9", "127.0.0.1:10", IsLocal: false);
        registry.Leader = learnt;
        // The one watcher looks every 10 ms of the shell's clock; far less than the 2 s bound passes.
        var moved = TimeSpan.Zero;
        while (!held.IsCompleted && moved < TimeSpan.FromSeconds(1))
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            moved += TimeSpan.FromMilliseconds(10);
            await Task.WhenAny(held, Task.Delay(5));
        }
        Assert.Equal((false, learnt), await held.WaitAsync(Bounded));
    }

    [Fact]
    public async Task ALeaderThisMasterHasNotHeardFromLately_IsNotNamed_TheRequestWaitsForItsSuccessor()
    {
        var (registry, time, shell) = Start();
        await using var _ = shell;
        registry.Leader = new LeaderInfo("127.0.0.1:9", "127.0.0.1:10", IsLocal: false);
        registry.LeaderQuiet = true; // killed a moment ago, as far as this master can tell
        var held = LeaderWait.ResolveAsync(registry, shell, time, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(500));
        await Task.Delay(50);
        Assert.False(held.IsCompleted); // not sent to the master that may be dead
        var successor = new LeaderInfo("127.0.0.1:11", "127.0.0.1:12", IsLocal: false);
        registry.Leader = successor;
        registry.LeaderQuiet = false;
        var moved = TimeSpan.Zero;
        while (!held.IsCompleted && moved < TimeSpan.FromSeconds(1))
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            moved += TimeSpan.FromMilliseconds(10);
            await Task.WhenAny(held, Task.Delay(5));
        }
        Assert.Equal((false, successor), await held.WaitAsync(Bounded));
    }

    [Fact]
    public async Task AHeldRequest_GivesUpAtTheBound_WhenNothingIsLearnt()
    {
        var (registry, time, shell) = Start();
        await using var _ = shell;
        var held = LeaderWait.ResolveAsync(registry, shell, time, CancellationToken.None);
        time.Advance(LeaderWait.Bound - TimeSpan.FromMilliseconds(1));
        Assert.False(held.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal((false, null), await held.WaitAsync(Bounded));
    }
}
