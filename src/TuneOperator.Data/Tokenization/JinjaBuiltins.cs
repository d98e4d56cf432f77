using System.Globalization;
using System.Text;

namespace TuneOperator.Data.Tokenization;

/// <summary>The filters, tests and methods (Python str, dict and list methods) available to templates.</summary>
internal static class JinjaBuiltins
{
    public static List<string> Characters(string text) => [.. text.EnumerateRunes().Select(r => r.ToString())];

    public static bool Contains(object? container, object? item) => container switch
    {
        string text => item is string part ? text.Contains(part, StringComparison.Ordinal) : throw new JinjaRuntimeError($"'in <string>' needs a string on the left, not {JinjaInterpreter.Describe(item)}."),
        List<object?> list => list.Any(x => JinjaValues.AreEqual(x, item)),
        Dictionary<string, object?> dict => item is string key && dict.ContainsKey(key),
        JinjaUndefined => false,
        _ => throw new JinjaRuntimeError($"cannot test membership in {JinjaInterpreter.Describe(container)}."),
    };

    public static object? Filter(string name, object? value, List<object?> positional, Dictionary<string, object?> named)
    {
        object? Argument(int index, string argumentName, object? fallback) =>
            named.TryGetValue(argumentName, out var byName) ? byName : positional.Count > index ? positional[index] : fallback;

        switch (name)
        {
            case "trim":
                return Strip(Text(value, name), Argument(0, "chars", null) as string, left: true, right: true);
            case "length":
            case "count":
                return Length(value);
            case "tojson":
                return JinjaValues.ToJson(value, Argument(0, "indent", null) is long indent ? (int)indent : null);
            case "default":
            case "d":
                var fallback = Argument(0, "default_value", string.Empty);
                var boolean = JinjaValues.IsTrue(Argument(1, "boolean", false));
                return value is JinjaUndefined || (boolean && !JinjaValues.IsTrue(value)) ? fallback : value;
            case "upper":
                return Text(value, name).ToUpperInvariant();
            case "lower":
                return Text(value, name).ToLowerInvariant();
            case "title":
                return Title(Text(value, name));
            case "capitalize":
                return Capitalize(Text(value, name));
            case "string":
                return JinjaValues.ToText(value);
            case "safe":
                return value;
            case "int":
                return ToInteger(value);
            case "float":
                return value is string s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed
                    : JinjaValues.IsNumber(value) ? JinjaValues.ToDouble(value) : 0.0;
            case "abs":
                return value switch
                {
                    long l => Math.Abs(l),
                    double d => Math.Abs(d),
                    _ => throw new JinjaRuntimeError($"abs needs a number, not {JinjaInterpreter.Describe(value)}."),
                };
            case "first":
                var firstItems = Items(value, name);
                return firstItems.Count > 0 ? firstItems[0] : JinjaUndefined.Instance;
            case "last":
                var lastItems = Items(value, name);
                return lastItems.Count > 0 ? lastItems[^1] : JinjaUndefined.Instance;
            case "list":
                return Items(value, name);
            case "reverse":
                if (value is string reversedText)
                {
                    return string.Concat(Characters(reversedText).AsEnumerable().Reverse());
                }

                var reversed = Items(value, name);
                reversed.Reverse();
                return reversed;
            case "join":
                var separator = JinjaValues.ToText(Argument(0, "d", string.Empty));
                var attribute = Argument(1, "attribute", null) as string;
                return string.Join(separator, Items(value, name).Select(item => JinjaValues.ToText(attribute is null ? item : Attribute(item, attribute))));
            case "replace":
                var text = Text(value, name);
                var old = Text(Argument(0, "old", null), "replace");
                var replacement = Text(Argument(1, "new", null), "replace");
                return Argument(2, "count", null) is long maxCount ? ReplaceCount(text, old, replacement, maxCount) : text.Replace(old, replacement, StringComparison.Ordinal);
            case "items":
                return value is Dictionary<string, object?> dict
                    ? dict.Select(e => (object?)new List<object?> { e.Key, e.Value }).ToList()
                    : throw new JinjaRuntimeError($"the items filter needs a dict, not {JinjaInterpreter.Describe(value)}.");
            case "selectattr":
            case "rejectattr":
                return SelectAttribute(value, positional, name == "selectattr");
            case "map":
                if (named.TryGetValue("attribute", out var mapAttribute))
                {
                    var key = JinjaValues.ToText(mapAttribute);
                    var missing = named.TryGetValue("default", out var mapDefault) ? mapDefault : JinjaUndefined.Instance;
                    return Items(value, name).Select(item => Attribute(item, key) is JinjaUndefined ? missing : Attribute(item, key)).ToList();
                }

                if (positional.Count > 0 && positional[0] is string filterName)
                {
                    return Items(value, name).Select(item => Filter(filterName, item, positional.Skip(1).ToList(), [])).ToList();
                }

                throw new JinjaRuntimeError("map needs attribute=... or the name of a filter.");
            default:
                throw new JinjaRuntimeError($"the filter '{name}' is not supported.");
        }
    }

    public static bool Test(string name, object? value, List<object?> arguments)
    {
        object? Argument() => arguments.Count > 0 ? arguments[0] : throw new JinjaRuntimeError($"the test '{name}' needs an argument.");
        return name switch
        {
            "defined" => value is not JinjaUndefined,
            "undefined" => value is JinjaUndefined,
            "none" => value is null,
            "true" => value is true,
            "false" => value is false,
            "boolean" => value is bool,
            "string" => value is string,
            "number" => value is long or double,
            "integer" => value is long,
            "float" => value is double,
            "mapping" => value is Dictionary<string, object?> or JinjaNamespace,
            "iterable" => value is string or List<object?> or Dictionary<string, object?>,
            "sequence" => value is string or List<object?> or Dictionary<string, object?>,
            "callable" => value is JinjaFunction,
            "odd" => value is long odd ? odd % 2 != 0 : throw new JinjaRuntimeError("the test 'odd' needs an integer."),
            "even" => value is long even ? even % 2 == 0 : throw new JinjaRuntimeError("the test 'even' needs an integer."),
            "divisibleby" => value is long dividend && Argument() is long divisor && divisor != 0 && dividend % divisor == 0,
            "equalto" or "eq" or "==" => JinjaValues.AreEqual(value, Argument()),
            "ne" or "!=" => !JinjaValues.AreEqual(value, Argument()),
            "sameas" => value?.GetType() == Argument()?.GetType() && JinjaValues.AreEqual(value, Argument()),
            "in" => Contains(Argument(), value),
            "lower" => value is string lower && lower == lower.ToLowerInvariant(),
            "upper" => value is string upper && upper == upper.ToUpperInvariant(),
            _ => throw new JinjaRuntimeError($"the test '{name}' is not supported."),
        };
    }

    public static object? CallMethod(object? target, string name, List<object?> positional, Dictionary<string, object?> named)
    {
        object? Argument(int index, string argumentName, object? fallback) =>
            named.TryGetValue(argumentName, out var byName) ? byName : positional.Count > index ? positional[index] : fallback;

        switch (target)
        {
            case string text:
                return name switch
                {
                    "strip" => Strip(text, Argument(0, "chars", null) as string, left: true, right: true),
                    "lstrip" => Strip(text, Argument(0, "chars", null) as string, left: true, right: false),
                    "rstrip" => Strip(text, Argument(0, "chars", null) as string, left: false, right: true),
                    "startswith" => Affixes(Argument(0, "prefix", null)).Any(p => text.StartsWith(p, StringComparison.Ordinal)),
                    "endswith" => Affixes(Argument(0, "suffix", null)).Any(s => text.EndsWith(s, StringComparison.Ordinal)),
                    "split" => Split(text, Argument(0, "sep", null) as string, Argument(1, "maxsplit", -1L) as long? ?? -1),
                    "upper" => text.ToUpperInvariant(),
                    "lower" => text.ToLowerInvariant(),
                    "title" => Title(text),
                    "capitalize" => Capitalize(text),
                    "replace" => Argument(2, "count", null) is long count
                        ? ReplaceCount(text, Text(Argument(0, "old", null), name), Text(Argument(1, "new", null), name), count)
                        : text.Replace(Text(Argument(0, "old", null), name), Text(Argument(1, "new", null), name), StringComparison.Ordinal),
                    "find" => (long)text.IndexOf(Text(Argument(0, "sub", null), name), StringComparison.Ordinal),
                    "count" => (long)CountOccurrences(text, Text(Argument(0, "sub", null), name)),
                    "join" => string.Join(text, Items(Argument(0, "iterable", null), name).Select(JinjaValues.ToText)),
                    "isdigit" => text.Length > 0 && text.All(char.IsDigit),
                    "isspace" => text.Length > 0 && text.All(char.IsWhiteSpace),
                    _ => throw new JinjaRuntimeError($"strings have no method '{name}'."),
                };
            case Dictionary<string, object?> dict:
                return name switch
                {
                    "get" => dict.TryGetValue(JinjaValues.ToText(Argument(0, "key", null)), out var value) ? value : Argument(1, "default", null),
                    "items" => dict.Select(e => (object?)new List<object?> { e.Key, e.Value }).ToList(),
                    "keys" => dict.Keys.Select(k => (object?)k).ToList(),
                    "values" => dict.Values.ToList(),
                    _ => throw new JinjaRuntimeError($"dicts have no method '{name}'."),
                };
            case List<object?> list:
                switch (name)
                {
                    case "append":
                        list.Add(Argument(0, "item", null));
                        return null;
                    case "index":
                        var found = list.FindIndex(x => JinjaValues.AreEqual(x, Argument(0, "value", null)));
                        return found >= 0 ? found : throw new JinjaRuntimeError("the value is not in the list.");
                    case "count":
                        return (long)list.Count(x => JinjaValues.AreEqual(x, Argument(0, "value", null)));
                    default:
                        throw new JinjaRuntimeError($"lists have no method '{name}'.");
                }

            default:
                throw new JinjaRuntimeError($"{JinjaInterpreter.Describe(target)} has no method '{name}'.");
        }
    }

    private static object Length(object? value) => value switch
    {
        string text => (long)text.EnumerateRunes().Count(),
        List<object?> list => (long)list.Count,
        Dictionary<string, object?> dict => (long)dict.Count,
        JinjaUndefined => 0L,
        _ => throw new JinjaRuntimeError($"{JinjaInterpreter.Describe(value)} has no length."),
    };

    private static List<object?> Items(object? value, string filter) => value switch
    {
        List<object?> list => [.. list],
        string text => [.. Characters(text)],
        Dictionary<string, object?> dict => [.. dict.Keys],
        JinjaUndefined => [],
        _ => throw new JinjaRuntimeError($"'{filter}' needs a list, not {JinjaInterpreter.Describe(value)}."),
    };

    private static string Text(object? value, string context) => value switch
    {
        string text => text,
        JinjaUndefined => string.Empty,
        null => throw new JinjaRuntimeError($"'{context}' needs a string, not none."),
        _ => JinjaValues.ToText(value),
    };

    private static object? Attribute(object? item, string path)
    {
        var current = item;
        foreach (var part in path.Split('.'))
        {
            current = current switch
            {
                Dictionary<string, object?> dict => dict.TryGetValue(part, out var value) ? value : JinjaUndefined.Instance,
                List<object?> list when int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) && index >= 0 && index < list.Count => list[index],
                _ => JinjaUndefined.Instance,
            };
        }

        return current;
    }

    private static List<object?> SelectAttribute(object? value, List<object?> arguments, bool select)
    {
        if (arguments.Count == 0 || arguments[0] is not string attribute)
        {
            throw new JinjaRuntimeError("selectattr and rejectattr need an attribute name.");
        }

        var test = arguments.Count > 1 ? JinjaValues.ToText(arguments[1]) : null;
        var testArguments = arguments.Skip(2).ToList();
        return Items(value, select ? "selectattr" : "rejectattr")
            .Where(item =>
            {
                var field = Attribute(item, attribute);
                var passed = test is null ? JinjaValues.IsTrue(field) : Test(test, field, testArguments);
                return passed == select;
            })
            .ToList();
    }

    private static IEnumerable<string> Affixes(object? value) => value switch
    {
        string text => [text],
        List<object?> list => list.Select(JinjaValues.ToText),
        _ => throw new JinjaRuntimeError($"startswith/endswith need a string or a tuple of strings, not {JinjaInterpreter.Describe(value)}."),
    };

    private static string Strip(string text, string? characters, bool left, bool right)
    {
        var start = 0;
        var end = text.Length;
        bool Strippable(char c) => characters is null ? char.IsWhiteSpace(c) : characters.Contains(c, StringComparison.Ordinal);
        while (left && start < end && Strippable(text[start]))
        {
            start++;
        }

        while (right && end > start && Strippable(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    private static List<object?> Split(string text, string? separator, long maxSplit)
    {
        var result = new List<object?>();
        if (separator is null)
        {
            // Python's split(): runs of whitespace separate, empty pieces are dropped.
            var position = 0;
            while (position < text.Length)
            {
                while (position < text.Length && char.IsWhiteSpace(text[position]))
                {
                    position++;
                }

                if (position >= text.Length)
                {
                    break;
                }

                if (maxSplit >= 0 && result.Count == maxSplit)
                {
                    result.Add(text[position..].TrimEnd());
                    break;
                }

                var end = position;
                while (end < text.Length && !char.IsWhiteSpace(text[end]))
                {
                    end++;
                }

                result.Add(text[position..end]);
                position = end;
            }

            return result;
        }

        if (separator.Length == 0)
        {
            throw new JinjaRuntimeError("split() separator cannot be empty.");
        }

        var start = 0;
        while (maxSplit < 0 || result.Count < maxSplit)
        {
            var found = text.IndexOf(separator, start, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }

            result.Add(text[start..found]);
            start = found + separator.Length;
        }

        result.Add(text[start..]);
        return result;
    }

    private static string ReplaceCount(string text, string old, string replacement, long count)
    {
        var builder = new StringBuilder();
        var start = 0;
        for (var done = 0L; done < count || count < 0; done++)
        {
            var found = text.IndexOf(old, start, StringComparison.Ordinal);
            if (found < 0 || old.Length == 0)
            {
                break;
            }

            builder.Append(text, start, found - start).Append(replacement);
            start = found + old.Length;
        }

        return builder.Append(text, start, text.Length - start).ToString();
    }

    private static int CountOccurrences(string text, string part)
    {
        if (part.Length == 0)
        {
            return text.Length + 1;
        }

        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Title(string text)
    {
        var builder = new StringBuilder(text.Length);
        var previousCased = false;
        foreach (var c in text)
        {
            builder.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }

        return builder.ToString();
    }

    private static string Capitalize(string text) =>
        text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();

    private static long ToInteger(object? value) => value switch
    {
        long l => l,
        double d => (long)Math.Truncate(d),
        bool b => b ? 1 : 0,
        string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsedFloat) => (long)Math.Truncate(parsedFloat),
        _ => 0,
    };
}
