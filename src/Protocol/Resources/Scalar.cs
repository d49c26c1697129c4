using System.Globalization;
using MessagePack;

namespace Mesos.HA.Protocol.Resources;

/// <summary>
/// A non-negative scalar resource amount in fixed point with three decimals (as Mesos does), so
/// that adding and subtracting offers never drifts: 0.1 + 0.2 is exactly 0.3.
/// </summary>
[MessagePackObject]
public readonly record struct Scalar([property: Key(0)] long Milli) : IComparable<Scalar>
{
    public const long Scale = 1000;

    /// <summary>Upper bound on any amount (about 9.2e12 units): keeps sums of many agents far from overflow.</summary>
    public static readonly Scalar Max = new(long.MaxValue / 1000);

    public static readonly Scalar Zero = new(0);

    public static Scalar FromUnits(long units) => new(checked(units * Scale));

    public double ToDouble() => Milli / (double)Scale;

    /// <summary>Parses "4", "0.5", "1024.125"; rounds to three decimals; refuses negatives, NaN and exponents.</summary>
    public static bool TryParse(string text, out Scalar value, out string? error)
    {
        value = Zero;
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            error = $"'{text}' is not a non-negative decimal number";
            return false;
        }
        // Compared before scaling: a number near decimal's end (29 digits) overflows when multiplied.
        var milli = number > Max.Milli / (decimal)Scale + 1 ? decimal.MaxValue : decimal.Round(number * Scale, MidpointRounding.AwayFromZero);
        if (milli > Max.Milli)
        {
            error = $"'{text}' is too large";
            return false;
        }
        value = new Scalar((long)milli);
        error = null;
        return true;
    }

    public static Scalar operator +(Scalar a, Scalar b) => new(checked(a.Milli + b.Milli));

    /// <summary>Subtracts; the caller must have checked <c>a &gt;= b</c> (amounts are never negative).</summary>
    public static Scalar operator -(Scalar a, Scalar b) =>
        b.Milli > a.Milli ? throw new InvalidOperationException($"cannot take {b} from {a}") : new(a.Milli - b.Milli);

    public static bool operator <(Scalar a, Scalar b) => a.Milli < b.Milli;
    public static bool operator >(Scalar a, Scalar b) => a.Milli > b.Milli;
    public static bool operator <=(Scalar a, Scalar b) => a.Milli <= b.Milli;
    public static bool operator >=(Scalar a, Scalar b) => a.Milli >= b.Milli;

    public int CompareTo(Scalar other) => Milli.CompareTo(other.Milli);

    public override string ToString() =>
        (Milli % Scale == 0 ? (Milli / Scale).ToString(CultureInfo.InvariantCulture)
            : (Milli / (decimal)Scale).ToString("0.###", CultureInfo.InvariantCulture));
}
