namespace Mesos.HA.Master.Allocation;

/// <summary>
/// Names kept in (share, name) order: lowest share first, ties by name (ordinal). A sorted array with
/// binary search: the allocator reads the order on every pick and changes it once per offer, and a
/// role holds a few dozen entries (a cluster a few thousand at most), so walking it by index, with no
/// enumerator to allocate, costs less than a tree's walk; a change moves at most the entries behind it.
/// </summary>
/// <typeparam name="T">What each entry carries along (the role's or framework's bookkeeping), so a walk needs no lookups.</typeparam>
internal sealed class ShareOrder<T>
{
    private (double Share, string Name, T Item)[] entries = new (double, string, T)[4];

    public int Count { get; private set; }

    public T this[int index] => entries[index].Item;

    public void Add(double share, string name, T item)
    {
        var at = Find(share, name);
        if (at >= 0) return; // already there, as a set keeps it
        at = ~at;
        if (Count == entries.Length) Array.Resize(ref entries, entries.Length * 2);
        Array.Copy(entries, at, entries, at + 1, Count - at);
        entries[at] = (share, name, item);
        Count++;
    }

    public bool Remove(double share, string name)
    {
        var at = Find(share, name);
        if (at < 0) return false;
        Count--;
        Array.Copy(entries, at + 1, entries, at, Count - at);
        entries[Count] = default;
        return true;
    }

    /// <summary>
    /// The entry's share grew from <paramref name="oldShare"/> to <paramref name="newShare"/>: it moves right past the
    /// entries it now follows (only those are shifted), as a removal and an add would place it.
    /// </summary>
    public void Grow(double oldShare, double newShare, string name, T item)
    {
        var at = Find(oldShare, name);
        if (at < 0 || newShare < oldShare)
        {
            Remove(oldShare, name);
            Add(newShare, name, item);
            return;
        }
        var to = at;
        while (to + 1 < Count && Before(entries[to + 1], newShare, name))
        {
            entries[to] = entries[to + 1];
            to++;
        }
        entries[to] = (newShare, name, item);
    }

    /// <summary>Whether the entry comes before (share, name) in the order.</summary>
    private static bool Before((double Share, string Name, T Item) entry, double share, string name)
    {
        var order = entry.Share.CompareTo(share);
        return order < 0 || order == 0 && string.CompareOrdinal(entry.Name, name) < 0;
    }

    /// <summary>The index of the entry, or the bitwise complement of where it would go.</summary>
    private int Find(double share, string name)
    {
        int low = 0, high = Count - 1;
        while (low <= high)
        {
            var mid = low + ((high - low) >> 1);
            var (s, n, _) = entries[mid];
            var order = s.CompareTo(share);
            if (order == 0) order = string.CompareOrdinal(n, name);
            if (order == 0) return mid;
            if (order < 0) low = mid + 1;
            else high = mid - 1;
        }
        return ~low;
    }
}
