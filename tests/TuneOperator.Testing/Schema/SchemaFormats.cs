using System.Net;
using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>The string and number formats the Kubernetes API server checks; unknown formats are not checked.</summary>
internal static class SchemaFormats
{
    /// <summary>Returns false when <paramref name="value"/> does not satisfy <paramref name="format"/>.</summary>
    public static bool IsValid(string format, JsonValue value)
    {
        if (value.TryGetValue<string>(out var s))
        {
            return format switch
            {
                "date-time" or "datetime" => CelTime.TryParseTimestamp(s, out _),
                "date" => DateOnly.TryParseExact(s, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _),
                "duration" => IsDuration(s),
                "byte" => IsBase64(s),
                "uuid" => Guid.TryParseExact(s, "D", out _),
                "ipv4" => IPAddress.TryParse(s, out var a4) && a4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && s.Count(c => c == '.') == 3,
                "ipv6" => IPAddress.TryParse(s, out var a6) && a6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
                "cidr" => IPNetwork.TryParse(s, out _),
                "hostname" => s.Length <= 255 && s.Split('.').All(label => label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && label[0] != '-' && label[^1] != '-'),
                _ => true,
            };
        }

        if (value.IsNumber() && value.GetDouble() is var d)
        {
            return format switch
            {
                "int32" => d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue,
                "int64" => d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue,
                "float" => Math.Abs(d) <= float.MaxValue,
                _ => true,
            };
        }

        return true;
    }

    private static bool IsDuration(string s)
    {
        // Go durations (1h30m, 300ms) plus the day and week units that kube-openapi's duration format also accepts.
        var normalized = s.Replace(" ", "", StringComparison.Ordinal);
        if (CelTime.TryParseDuration(normalized, out _))
        {
            return true;
        }

        var rest = normalized;
        while (rest.Length > 0)
        {
            var i = 0;
            while (i < rest.Length && (char.IsAsciiDigit(rest[i]) || rest[i] == '.'))
            {
                i++;
            }

            if (i == 0)
            {
                return false;
            }

            var j = i;
            while (j < rest.Length && char.IsAsciiLetter(rest[j]))
            {
                j++;
            }

            var unit = rest[i..j];
            if (unit is not ("ns" or "us" or "ms" or "s" or "m" or "h" or "d" or "w"))
            {
                return false;
            }

            rest = rest[j..];
        }

        return normalized.Length > 0;
    }

    private static bool IsBase64(string s)
    {
        try
        {
            Convert.FromBase64String(s);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
