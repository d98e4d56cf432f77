using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TuneOperator.Testing.Schema;

/// <summary>The CEL standard functions and the Kubernetes list and string libraries that CRD rules use.</summary>
internal static class CelFunctions
{
    /// <summary>Functions callable as <c>f(x)</c>.</summary>
    public static readonly IReadOnlySet<string> Global = new HashSet<string>
    {
        "size", "matches", "int", "uint", "double", "string", "bytes", "bool", "type", "duration", "timestamp", "dyn",
    };

    /// <summary>Functions callable as <c>x.f()</c>.</summary>
    public static readonly IReadOnlySet<string> Methods = new HashSet<string>
    {
        "size", "matches", "startsWith", "endsWith", "contains", "isSorted", "sum", "min", "max", "indexOf",
        "lastIndexOf", "lowerAscii", "upperAscii", "trim", "split", "join", "replace", "substring", "charAt",
        "getHours", "getMinutes", "getSeconds", "getMilliseconds", "getFullYear", "getMonth", "getDayOfMonth",
        "getDayOfWeek", "getDayOfYear", "getDate", "hasValue", "value", "orValue",
    };

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    public static object? Call(string name, bool isMethod, object? target, object?[] args)
    {
        if (isMethod)
        {
            return Methods.Contains(name)
                ? Method(name, target, args)
                : new CelError($"undeclared reference to '{name}'");
        }

        if (!Global.Contains(name))
        {
            return new CelError($"undeclared reference to '{name}'");
        }

        return (name, args) switch
        {
            ("size", [var x]) => Size(x),
            ("matches", [string s, string re]) => Matches(s, re),
            ("int", [var x]) => ToInt(x),
            ("uint", [var x]) => ToUint(x),
            ("double", [var x]) => ToDouble(x),
            ("string", [var x]) => ToCelString(x),
            ("bytes", [string s]) => new CelBytes(Encoding.UTF8.GetBytes(s)),
            ("bytes", [CelBytes b]) => b,
            ("bool", [bool b]) => b,
            ("bool", [string s]) => s switch
            {
                "true" or "True" or "TRUE" or "t" or "1" => true,
                "false" or "False" or "FALSE" or "f" or "0" => false,
                _ => new CelError($"type conversion error from 'string' to 'bool': {s}"),
            },
            ("type", [var x]) => CelValues.TypeOf(x),
            ("dyn", [var x]) => x,
            ("duration", [string s]) => CelTime.TryParseDuration(s, out var d) ? d : new CelError($"invalid duration: {s}"),
            ("duration", [TimeSpan d]) => d,
            ("timestamp", [string s]) => CelTime.TryParseTimestamp(s, out var t) ? t : new CelError($"invalid timestamp: {s}"),
            ("timestamp", [DateTimeOffset t]) => t,
            ("timestamp", [long seconds]) => DateTimeOffset.FromUnixTimeSeconds(seconds),
            _ => CelError.NoOverload(name, args),
        };
    }

    private static object? Method(string name, object? target, object?[] args)
    {
        try
        {
            return (name, target, args) switch
            {
                ("size", _, []) => Size(target),
                ("hasValue", CelOptional o, []) => o.HasValue,
                ("value", CelOptional o, []) => o.HasValue ? o.Value : new CelError("optional.none() dereference"),
                ("orValue", CelOptional o, [var fallback]) => o.HasValue ? o.Value : fallback,
                ("matches", string s, [string re]) => Matches(s, re),
                ("startsWith", string s, [string p]) => s.StartsWith(p, StringComparison.Ordinal),
                ("endsWith", string s, [string p]) => s.EndsWith(p, StringComparison.Ordinal),
                ("contains", string s, [string p]) => s.Contains(p, StringComparison.Ordinal),
                ("lowerAscii", string s, []) => AsciiCase(s, upper: false),
                ("upperAscii", string s, []) => AsciiCase(s, upper: true),
                ("trim", string s, []) => s.Trim(),
                ("split", string s, [string sep]) => Split(s, sep, -1),
                ("split", string s, [string sep, long n]) => Split(s, sep, n),
                ("join", IReadOnlyList<object?> l, []) => Join(l, ""),
                ("join", IReadOnlyList<object?> l, [string sep]) => Join(l, sep),
                ("replace", string s, [string from, string to]) => Replace(s, from, to, -1),
                ("replace", string s, [string from, string to, long n]) => Replace(s, from, to, n),
                ("substring", string s, [long start]) => Substring(s, start, CodePoints(s).Length),
                ("substring", string s, [long start, long end]) => Substring(s, start, end),
                ("charAt", string s, [long at]) => CharAt(s, at),
                ("indexOf", string s, [string sub]) => StringIndexOf(s, sub, 0, last: false),
                ("indexOf", string s, [string sub, long start]) => StringIndexOf(s, sub, start, last: false),
                ("lastIndexOf", string s, [string sub]) => StringIndexOf(s, sub, CodePoints(s).Length, last: true),
                ("lastIndexOf", string s, [string sub, long start]) => StringIndexOf(s, sub, start, last: true),
                ("indexOf", IReadOnlyList<object?> l, [var x]) => ListIndexOf(l, x, last: false),
                ("lastIndexOf", IReadOnlyList<object?> l, [var x]) => ListIndexOf(l, x, last: true),
                ("isSorted", IReadOnlyList<object?> l, []) => IsSorted(l),
                ("sum", IReadOnlyList<object?> l, []) => Sum(l),
                ("min", IReadOnlyList<object?> l, []) => MinMax(l, "min", sign: -1),
                ("max", IReadOnlyList<object?> l, []) => MinMax(l, "max", sign: 1),
                ("getHours", TimeSpan d, []) => (long)d.TotalHours,
                ("getMinutes", TimeSpan d, []) => (long)d.TotalMinutes,
                ("getSeconds", TimeSpan d, []) => (long)d.TotalSeconds,
                ("getMilliseconds", TimeSpan d, []) => (long)d.TotalMilliseconds,
                ("getHours", DateTimeOffset t, []) => (long)t.UtcDateTime.Hour,
                ("getMinutes", DateTimeOffset t, []) => (long)t.UtcDateTime.Minute,
                ("getSeconds", DateTimeOffset t, []) => (long)t.UtcDateTime.Second,
                ("getMilliseconds", DateTimeOffset t, []) => (long)t.UtcDateTime.Millisecond,
                ("getFullYear", DateTimeOffset t, []) => (long)t.UtcDateTime.Year,
                ("getMonth", DateTimeOffset t, []) => (long)t.UtcDateTime.Month - 1,
                ("getDayOfMonth", DateTimeOffset t, []) => (long)t.UtcDateTime.Day - 1,
                ("getDate", DateTimeOffset t, []) => (long)t.UtcDateTime.Day,
                ("getDayOfWeek", DateTimeOffset t, []) => (long)t.UtcDateTime.DayOfWeek,
                ("getDayOfYear", DateTimeOffset t, []) => (long)t.UtcDateTime.DayOfYear - 1,
                _ => CelError.NoOverload(name, [target, .. args]),
            };
        }
        catch (OverflowException)
        {
            return new CelError("integer overflow");
        }
    }

    private static object Size(object? x) => x switch
    {
        string s => (long)CodePoints(s).Length,
        CelBytes b => (long)b.Value.Length,
        IReadOnlyList<object?> l => (long)l.Count,
        CelMap m => (long)m.Count,
        _ => CelError.NoOverload("size", x),
    };

    private static int[] CodePoints(string s) => [.. s.EnumerateRunes().Select(r => r.Value)];

    private static string FromCodePoints(IEnumerable<int> codePoints) =>
        string.Concat(codePoints.Select(c => new Rune(c).ToString()));

    private static object Matches(string s, string pattern)
    {
        var regex = CelRegex.TryCreate(pattern, RegexTimeout, out var error);
        if (regex is null)
        {
            return new CelError($"invalid regular expression '{pattern}': {error}");
        }

        try
        {
            return regex.IsMatch(s);
        }
        catch (RegexMatchTimeoutException)
        {
            return new CelError($"regular expression '{pattern}' timed out");
        }
    }

    private static object ToInt(object? x) => x switch
    {
        long l => l,
        ulong u => u <= long.MaxValue ? (long)u : new CelError("range error converting uint to int"),
        double d => double.IsFinite(d) && d > -9.2233720368547758e18 && d < 9.2233720368547758e18
            ? (long)Math.Truncate(d)
            : new CelError("range error converting double to int"),
        string s => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : new CelError($"type conversion error from 'string' to 'int': {s}"),
        DateTimeOffset t => t.ToUnixTimeSeconds(),
        _ => CelError.NoOverload("int", x),
    };

    private static object ToUint(object? x) => x switch
    {
        ulong u => u,
        long l => l >= 0 ? (ulong)l : new CelError("range error converting int to uint"),
        double d => double.IsFinite(d) && d > -1 && d < 1.8446744073709552e19
            ? (ulong)Math.Truncate(d)
            : new CelError("range error converting double to uint"),
        string s => ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : new CelError($"type conversion error from 'string' to 'uint': {s}"),
        _ => CelError.NoOverload("uint", x),
    };

    private static object ToDouble(object? x) => x switch
    {
        double d => d,
        long l => (double)l,
        ulong u => (double)u,
        string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : new CelError($"type conversion error from 'string' to 'double': {s}"),
        _ => CelError.NoOverload("double", x),
    };

    private static object ToCelString(object? x) => x switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        ulong u => u.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        bool b => b ? "true" : "false",
        CelBytes b => Encoding.UTF8.GetString(b.Value),
        TimeSpan d => CelTime.FormatDuration(d),
        DateTimeOffset t => CelTime.FormatTimestamp(t),
        _ => CelError.NoOverload("string", x),
    };

    private static string FormatDouble(double d) => d switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(d) => "NaN",
        _ => FormatFinite(d),
    };

    /// <summary>Formats like Go's <c>strconv.FormatFloat(d, 'g', -1, 64)</c>, which CEL's string() uses: shortest
    /// digits, exponent form from 1e+06 up and below 1e-04 (<c>1e+06</c>, <c>1.5e-05</c>, <c>123456</c>).</summary>
    private static string FormatFinite(double d)
    {
        var shortest = d.ToString("R", CultureInfo.InvariantCulture);
        if (shortest.Contains('E', StringComparison.Ordinal))
        {
            return shortest.Replace("E", "e", StringComparison.Ordinal);
        }

        var negative = shortest.StartsWith('-');
        var unsigned = negative ? shortest[1..] : shortest;
        var point = unsigned.IndexOf('.', StringComparison.Ordinal);
        var integerDigits = point < 0 ? unsigned.Length : point;
        if (Math.Abs(d) < 1e6 || integerDigits < 7)
        {
            return shortest;
        }

        var digits = unsigned.Replace(".", "", StringComparison.Ordinal).TrimEnd('0');
        var mantissa = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
        var exponent = (integerDigits - 1).ToString("00", CultureInfo.InvariantCulture);
        return (negative ? "-" : "") + mantissa + "e+" + exponent;
    }

    private static string AsciiCase(string s, bool upper) => string.Create(s.Length, (s, upper), static (span, state) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            var c = state.s[i];
            span[i] = state.upper ? (char.IsAsciiLetterLower(c) ? char.ToUpperInvariant(c) : c)
                : (char.IsAsciiLetterUpper(c) ? char.ToLowerInvariant(c) : c);
        }
    });

    private static object Split(string s, string separator, long limit)
    {
        if (limit == 0)
        {
            return new List<object?>();
        }

        if (limit == 1)
        {
            return new List<object?> { s };
        }

        string[] parts;
        if (separator.Length == 0)
        {
            var runes = s.EnumerateRunes().Select(r => r.ToString()).ToList();
            if (limit > 0 && runes.Count > limit)
            {
                runes = [.. runes.Take((int)limit - 1), string.Concat(runes.Skip((int)limit - 1))];
            }

            parts = [.. runes];
        }
        else
        {
            parts = limit > 0 ? s.Split(separator, (int)Math.Min(limit, int.MaxValue)) : s.Split(separator);
        }

        return parts.Cast<object?>().ToList();
    }

    private static object Join(IReadOnlyList<object?> list, string separator)
    {
        var parts = new List<string>(list.Count);
        foreach (var item in list)
        {
            if (item is not string s)
            {
                return CelError.NoOverload("join", list, separator);
            }

            parts.Add(s);
        }

        return string.Join(separator, parts);
    }

    private static string Replace(string s, string from, string to, long limit)
    {
        if (limit < 0)
        {
            return from.Length == 0 ? ReplaceEmpty(s, to, int.MaxValue) : s.Replace(from, to, StringComparison.Ordinal);
        }

        if (from.Length == 0)
        {
            return ReplaceEmpty(s, to, limit);
        }

        var sb = new StringBuilder();
        var position = 0;
        for (var n = 0; n < limit; n++)
        {
            var found = s.IndexOf(from, position, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }

            sb.Append(s, position, found - position).Append(to);
            position = found + from.Length;
        }

        return sb.Append(s, position, s.Length - position).ToString();
    }

    private static string ReplaceEmpty(string s, string to, long limit)
    {
        var sb = new StringBuilder();
        long n = 0;
        foreach (var rune in s.EnumerateRunes())
        {
            if (n++ < limit)
            {
                sb.Append(to);
            }

            sb.Append(rune.ToString());
        }

        if (n++ < limit)
        {
            sb.Append(to);
        }

        return sb.ToString();
    }

    private static object Substring(string s, long start, long end)
    {
        var cps = CodePoints(s);
        if (start < 0 || start > cps.Length)
        {
            return new CelError($"index out of range: {start}");
        }

        if (end < 0 || end > cps.Length)
        {
            return new CelError($"index out of range: {end}");
        }

        if (end < start)
        {
            return new CelError($"invalid substring range. start: {start}, end: {end}");
        }

        return FromCodePoints(cps.Skip((int)start).Take((int)(end - start)));
    }

    private static object CharAt(string s, long at)
    {
        var cps = CodePoints(s);
        if (at < 0 || at > cps.Length)
        {
            return new CelError($"index out of range: {at}");
        }

        return at == cps.Length ? "" : FromCodePoints([cps[at]]);
    }

    private static object StringIndexOf(string s, string sub, long start, bool last)
    {
        var cps = CodePoints(s);
        var needle = CodePoints(sub);
        if (start < 0 || start > cps.Length)
        {
            return new CelError($"index out of range: {start}");
        }

        if (last)
        {
            for (var i = (int)Math.Min(start, cps.Length - needle.Length); i >= 0; i--)
            {
                if (cps.AsSpan(i, needle.Length).SequenceEqual(needle))
                {
                    return (long)i;
                }
            }

            return -1L;
        }

        for (var i = (int)start; i + needle.Length <= cps.Length; i++)
        {
            if (cps.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return (long)i;
            }
        }

        return -1L;
    }

    private static object ListIndexOf(IReadOnlyList<object?> list, object? x, bool last)
    {
        for (var n = 0; n < list.Count; n++)
        {
            var i = last ? list.Count - 1 - n : n;
            var equal = CelValues.Equal(list[i], x);
            if (equal is CelError error)
            {
                return error;
            }

            if (equal is true)
            {
                return (long)i;
            }
        }

        return -1L;
    }

    private static object IsSorted(IReadOnlyList<object?> list)
    {
        for (var i = 1; i < list.Count; i++)
        {
            var c = CelOperators.Compare(list[i - 1], list[i]);
            if (c is null)
            {
                return CelError.NoOverload("isSorted", list[i - 1], list[i]);
            }

            if (c > 0)
            {
                return false;
            }
        }

        return true;
    }

    private static object? Sum(IReadOnlyList<object?> list)
    {
        if (list.Count == 0)
        {
            return 0L;
        }

        object? total = list[0];
        for (var i = 1; i < list.Count; i++)
        {
            total = CelOperators.Binary("+", total, list[i]);
            if (total is CelError)
            {
                return total;
            }
        }

        return total is long or ulong or double or TimeSpan ? total : CelError.NoOverload("sum", list);
    }

    private static object? MinMax(IReadOnlyList<object?> list, string name, int sign)
    {
        if (list.Count == 0)
        {
            return new CelError($"{name} called on empty list");
        }

        var best = list[0];
        for (var i = 1; i < list.Count; i++)
        {
            var c = CelOperators.Compare(list[i], best);
            if (c is null)
            {
                return CelError.NoOverload(name, best, list[i]);
            }

            if (c * sign > 0)
            {
                best = list[i];
            }
        }

        return best;
    }
}
