using System.Globalization;

namespace TuneOperator.Testing.Schema;

/// <summary>Parses and formats CEL durations (Go duration syntax such as <c>1h30m</c>) and timestamps (RFC 3339).</summary>
internal static class CelTime
{
    private static readonly (string Unit, decimal Ticks)[] Units =
    [
        ("ns", 0.01m), ("us", 10m), ("µs", 10m), ("μs", 10m), ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond), ("m", TimeSpan.TicksPerMinute), ("h", TimeSpan.TicksPerHour),
    ];

    /// <summary>Parses a Go-style duration (<c>300ms</c>, <c>-1.5h</c>, <c>2h45m</c>).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text;
        var negative = false;
        if (s.StartsWith('-') || s.StartsWith('+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s == "0")
        {
            return true;
        }

        if (s.Length == 0)
        {
            return false;
        }

        decimal ticks = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (i == start || !decimal.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unit = Units.Where(u => string.CompareOrdinal(s, i, u.Unit, 0, u.Unit.Length) == 0)
                .OrderByDescending(u => u.Unit.Length)
                .Select(u => ((string Unit, decimal Ticks)?)u)
                .FirstOrDefault();
            if (unit is null)
            {
                return false;
            }

            i += unit.Value.Unit.Length;
            ticks += number * unit.Value.Ticks;
            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }
        }

        duration = TimeSpan.FromTicks((long)Math.Round(negative ? -ticks : ticks));
        return true;
    }

    /// <summary>Parses an RFC 3339 timestamp with a mandatory offset (<c>2024-01-02T03:04:05Z</c>).</summary>
    public static bool TryParseTimestamp(string text, out DateTimeOffset timestamp)
    {
        timestamp = default;
        if (text.Length < 20 || (text[10] != 'T' && text[10] != 't'))
        {
            return false;
        }

        var last = text[^1];
        var hasOffset = last is 'Z' or 'z' || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out timestamp);
    }

    /// <summary>Formats a duration as CEL's string() does: seconds with an optional fraction, e.g. <c>5400s</c>.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var seconds = (decimal)duration.Ticks / TimeSpan.TicksPerSecond;
        return seconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
    }

    /// <summary>Formats a timestamp in UTC as RFC 3339.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString(timestamp.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
