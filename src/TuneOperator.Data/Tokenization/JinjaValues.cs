using System.Globalization;
using System.Text;

namespace TuneOperator.Data.Tokenization;

/// <summary>The value of a variable that does not exist; renders as nothing and is false.</summary>
internal sealed class JinjaUndefined
{
    public static readonly JinjaUndefined Instance = new();

    private JinjaUndefined()
    {
    }
}

/// <summary>The object namespace() returns: attributes that can be assigned from inside loops.</summary>
internal sealed class JinjaNamespace
{
    public Dictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);
}

/// <summary>A callable value: a global function, a bound method, or loop.cycle.</summary>
internal delegate object? JinjaFunction(IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> named);

/// <summary>Python-like conversions, comparisons and formatting of template values.</summary>
internal static class JinjaValues
{
    public static bool IsTrue(object? value) => value switch
    {
        null => false,
        JinjaUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        Dictionary<string, object?> dict => dict.Count > 0,
        _ => true,
    };

    public static string ToText(object? value) => value switch
    {
        null => "None",
        JinjaUndefined => string.Empty,
        string s => s,
        _ => Repr(value),
    };

    /// <summary>Python's repr(): strings quoted, lists and dicts in Python syntax.</summary>
    public static string Repr(object? value)
    {
        switch (value)
        {
            case null:
                return "None";
            case JinjaUndefined:
                return string.Empty;
            case bool b:
                return b ? "True" : "False";
            case long l:
                return l.ToString(CultureInfo.InvariantCulture);
            case double d:
                return FormatFloat(d);
            case string s:
                return QuoteString(s);
            case List<object?> list:
                return "[" + string.Join(", ", list.Select(Repr)) + "]";
            case Dictionary<string, object?> dict:
                return "{" + string.Join(", ", dict.Select(e => QuoteString(e.Key) + ": " + Repr(e.Value))) + "}";
            case JinjaNamespace ns:
                return "<Namespace " + Repr(ns.Values) + ">";
            default:
                return value.ToString() ?? string.Empty;
        }
    }

    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text.Replace("E+", "e+", StringComparison.Ordinal).Replace("E-", "e-", StringComparison.Ordinal) : text + ".0";
    }

    private static string QuoteString(string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var builder = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        builder.Append('\\');
                    }

                    builder.Append(c);
                    break;
            }
        }

        return builder.Append(quote).ToString();
    }

    /// <summary>JSON as Hugging Face's tojson filter writes it: json.dumps(value, ensure_ascii=False, indent=indent).</summary>
    public static string ToJson(object? value, int? indent)
    {
        var builder = new StringBuilder();
        WriteJson(builder, value, indent, 0);
        return builder.ToString();
    }

    private static void WriteJson(StringBuilder builder, object? value, int? indent, int depth)
    {
        switch (value)
        {
            case null or JinjaUndefined:
                builder.Append("null");
                break;
            case bool b:
                builder.Append(b ? "true" : "false");
                break;
            case long l:
                builder.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                builder.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : FormatFloat(d));
                break;
            case string s:
                WriteJsonString(builder, s);
                break;
            case List<object?> list:
                WriteJsonContainer(builder, '[', ']', list.Count, indent, depth, i => WriteJson(builder, list[i], indent, depth + 1));
                break;
            case Dictionary<string, object?> dict:
                var entries = dict.ToList();
                WriteJsonContainer(builder, '{', '}', entries.Count, indent, depth, i =>
                {
                    WriteJsonString(builder, entries[i].Key);
                    builder.Append(": ");
                    WriteJson(builder, entries[i].Value, indent, depth + 1);
                });
                break;
            case JinjaNamespace ns:
                WriteJson(builder, ns.Values, indent, depth);
                break;
            default:
                WriteJsonString(builder, value.ToString() ?? string.Empty);
                break;
        }
    }

    private static void WriteJsonContainer(StringBuilder builder, char open, char close, int count, int? indent, int depth, Action<int> writeItem)
    {
        builder.Append(open);
        if (count == 0)
        {
            builder.Append(close);
            return;
        }

        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                builder.Append(indent is null ? ", " : ",");
            }

            if (indent is { } size)
            {
                builder.Append('\n').Append(' ', size * (depth + 1));
            }

            writeItem(i);
        }

        if (indent is { } width)
        {
            builder.Append('\n').Append(' ', width * depth);
        }

        builder.Append(close);
    }

    private static void WriteJsonString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }

    public static bool AreEqual(object? left, object? right)
    {
        if (IsNumber(left) && IsNumber(right))
        {
            return ToDouble(left) == ToDouble(right);
        }

        return (left, right) switch
        {
            (null, null) => true,
            (JinjaUndefined, JinjaUndefined) => true,
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (bool a, bool b) => a == b,
            (List<object?> a, List<object?> b) => a.Count == b.Count && a.Zip(b).All(p => AreEqual(p.First, p.Second)),
            (Dictionary<string, object?> a, Dictionary<string, object?> b) =>
                a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var other) && AreEqual(e.Value, other)),
            _ => ReferenceEquals(left, right),
        };
    }

    public static bool IsNumber(object? value) => value is long or double || value is bool;

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => double.NaN,
    };
}
