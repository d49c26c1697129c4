using System.Globalization;

namespace Mesos.HA.Protocol;

/// <summary>
/// A duration in Mesos' text form, a number and a unit with nothing between: <c>10ns</c>, <c>500us</c>,
/// <c>100ms</c>, <c>1.5secs</c>, <c>15mins</c>, <c>2hrs</c>, <c>1days</c>, <c>2weeks</c> (how Mesos passes
/// durations in flags and environment variables). Held exactly in nanoseconds, since a
/// <see cref="TimeSpan"/> counts 100 ns ticks. Never negative.
/// </summary>
public readonly record struct MesosDuration
{
    private static readonly (string Unit, long Nanoseconds)[] UnitsLargestFirst =
    [
        ("weeks", 7 * 24 * 3_600_000_000_000L),
        ("days", 24 * 3_600_000_000_000L),
        ("hrs", 3_600_000_000_000L),
        ("mins", 60_000_000_000L),
        ("secs", 1_000_000_000L),
        ("ms", 1_000_000L),
        ("us", 1_000L),
        ("ns", 1L),
    ];

    public MesosDuration(long nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nanoseconds);
        Nanoseconds = nanoseconds;
    }

    public long Nanoseconds { get; }

    /// <summary>As a <see cref="TimeSpan"/>: whole 100 ns ticks, the rest dropped.</summary>
    public TimeSpan ToTimeSpan() => TimeSpan.FromTicks(Nanoseconds / 100);

    public static MesosDuration FromTimeSpan(TimeSpan span) => new(checked(span.Ticks * 100));

    /// <summary>Reads <paramref name="text"/>; throws <see cref="FormatException"/> naming it when it is no duration.</summary>
    public static MesosDuration Parse(string text) =>
        TryParse(text, out var duration)
            ? duration
            : throw new FormatException($"'{text}' is not a Mesos duration (a number and one of ns, us, ms, secs, mins, hrs, days, weeks: '5secs')");

    /// <summary>
    /// Reads a non-negative decimal number (a fraction allowed) followed by a unit. Fractions of a
    /// nanosecond are dropped, as Mesos does; a duration beyond the range of a <see cref="long"/> is refused.
    /// </summary>
    public static bool TryParse(string? text, out MesosDuration duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text)) return false;
        var numberLength = 0;
        while (numberLength < text.Length && (char.IsAsciiDigit(text[numberLength]) || text[numberLength] == '.')) numberLength++;
        if (numberLength == 0) return false;
        var unit = text[numberLength..];
        var match = Array.FindIndex(UnitsLargestFirst, u => u.Unit == unit);
        if (match < 0) return false;
        if (!decimal.TryParse(text.AsSpan(0, numberLength), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
        try
        {
            var nanoseconds = decimal.Truncate(number * UnitsLargestFirst[match].Nanoseconds);
            if (nanoseconds > long.MaxValue) return false;
            duration = new MesosDuration((long)nanoseconds);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>The duration in the largest unit that holds it as a whole number: <c>90secs</c>, <c>1500ms</c>, <c>0ns</c>.</summary>
    public override string ToString()
    {
        if (Nanoseconds == 0) return "0ns";
        foreach (var (unit, nanoseconds) in UnitsLargestFirst)
            if (Nanoseconds % nanoseconds == 0)
                return (Nanoseconds / nanoseconds).ToString(CultureInfo.InvariantCulture) + unit;
        throw new InvalidOperationException("unreachable: every count of nanoseconds is whole in ns");
    }

    /// <summary>A <see cref="TimeSpan"/> in Mesos' text form (see <see cref="ToString"/>).</summary>
    public static string Format(TimeSpan span) => FromTimeSpan(span).ToString();
}
