namespace Mesos.HA.Protocol.Resources;

/// <summary>A resource name with the role it is reserved for ("*" when unreserved).</summary>
public readonly record struct ResourceKey(string Name, string Role) : IComparable<ResourceKey>
{
    public const string Unreserved = "*";

    public int CompareTo(ResourceKey other)
    {
        var byName = string.CompareOrdinal(Name, other.Name);
        return byName != 0 ? byName : string.CompareOrdinal(Role, other.Role);
    }

    public override string ToString() => Role == Unreserved ? Name : $"{Name}({Role})";
}
