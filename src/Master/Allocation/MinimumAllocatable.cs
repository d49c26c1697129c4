using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Allocation;

/// <summary>
/// The smallest offer worth making (Mesos: 0.01 cpus or 32 MB of memory). Smaller leftovers stay
/// unoffered so frameworks are not flooded with useless crumbs.
/// </summary>
public sealed record MinimumAllocatable(Scalar Cpus, Scalar MemMb)
{
    public static readonly MinimumAllocatable Default = new(new Scalar(10), Scalar.FromUnits(32));

    public bool IsMet(Resources resources) => resources.Total("cpus") >= Cpus || resources.Total("mem") >= MemMb;

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> together are worth offering (without building their sum).</summary>
    public bool IsMet(Resources a, Resources? b) => b is null
        ? IsMet(a)
        : a.Total("cpus") + b.Total("cpus") >= Cpus || a.Total("mem") + b.Total("mem") >= MemMb;
}
