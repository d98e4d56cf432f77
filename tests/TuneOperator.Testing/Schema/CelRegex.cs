using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace TuneOperator.Testing.Schema;

/// <summary>Runs RE2 patterns (the syntax CEL's <c>matches</c> and OpenAPI <c>pattern</c> use in Kubernetes) on .NET
/// regular expressions: <c>$</c> means end of text, <c>(?P&lt;name&gt;</c> groups are accepted, and constructs RE2
/// does not have (backreferences, lookaround, possessive and atomic groups) are rejected.</summary>
internal static class CelRegex
{
    private static readonly ConcurrentDictionary<string, (Regex? Regex, string? Error)> Cache = new(StringComparer.Ordinal);

    /// <summary>Compiles <paramref name="pattern"/>; null with an explanation when it is not valid RE2.</summary>
    public static Regex? TryCreate(string pattern, TimeSpan timeout, out string? error)
    {
        var entry = Cache.GetOrAdd(pattern, p =>
        {
            var translated = Translate(p, out var problem);
            if (translated is null)
            {
                return (null, problem);
            }

            try
            {
                return (new Regex(translated, RegexOptions.CultureInvariant, timeout), null);
            }
            catch (ArgumentException ex)
            {
                return (null, ex.Message);
            }
        });
        error = entry.Error;
        return entry.Regex;
    }

    private static string? Translate(string pattern, out string? problem)
    {
        problem = null;
        var sb = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 >= pattern.Length)
                {
                    problem = "trailing backslash at end of expression";
                    return null;
                }

                var n = pattern[i + 1];
                if (!inClass && char.IsAsciiDigit(n) && n != '0')
                {
                    problem = $"invalid escape sequence: \\{n} (RE2 has no backreferences)";
                    return null;
                }

                if (n is 'Z' or 'k' or 'G')
                {
                    problem = $"invalid escape sequence: \\{n}";
                    return null;
                }

                // RE2's Perl classes are ASCII-only; .NET's are Unicode-aware, so spell them out.
                var ascii = n switch
                {
                    'd' => "0-9",
                    'w' => "0-9A-Za-z_",
                    's' => "\\t\\n\\f\\r ",
                    _ => null,
                };
                if (ascii is not null)
                {
                    sb.Append(inClass ? ascii : "[" + ascii + "]");
                }
                else if (!inClass && n is 'D' or 'W' or 'S')
                {
                    sb.Append("[^").Append(n switch { 'D' => "0-9", 'W' => "0-9A-Za-z_", _ => "\\t\\n\\f\\r " }).Append(']');
                }
                else
                {
                    sb.Append(c).Append(n);
                }

                i++;
                continue;
            }

            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }
                else if (c == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
                {
                    // POSIX classes such as [:alpha:] are RE2-only; translate the common ones.
                    var close = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
                    if (close > 0)
                    {
                        var name = pattern[(i + 2)..close];
                        var replacement = name switch
                        {
                            "alpha" => "a-zA-Z",
                            "digit" => "0-9",
                            "alnum" => "a-zA-Z0-9",
                            "upper" => "A-Z",
                            "lower" => "a-z",
                            "space" => "\\t\\n\\v\\f\\r ",
                            "xdigit" => "0-9A-Fa-f",
                            "word" => "\\w",
                            _ => null,
                        };
                        if (replacement is null)
                        {
                            problem = $"invalid character class range: [:{name}:]";
                            return null;
                        }

                        sb.Append(replacement);
                        i = close + 1;
                        continue;
                    }
                }

                sb.Append(c);
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    sb.Append(c);
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        sb.Append('^');
                        i++;
                    }

                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        sb.Append("\\]");
                        i++;
                    }

                    break;
                case '$':
                    sb.Append("\\z");
                    break;
                case '(' when i + 1 < pattern.Length && pattern[i + 1] == '?':
                    var rest = pattern[(i + 2)..];
                    if (rest.StartsWith("P<", StringComparison.Ordinal))
                    {
                        sb.Append("(?<");
                        i += 3;
                    }
                    else if (rest.StartsWith(':') || (rest.Length > 0 && (char.IsAsciiLetter(rest[0]) || rest[0] == '-')))
                    {
                        sb.Append("(?");
                        i += 1;
                    }
                    else
                    {
                        problem = "invalid or unsupported Perl syntax: (?" + (rest.Length > 0 ? rest[0].ToString() : "");
                        return null;
                    }

                    break;
                case '+' or '*' or '?' or '}' when i + 1 < pattern.Length && pattern[i + 1] == '+':
                    problem = "invalid nested repetition operator: " + c + "+";
                    return null;
                default:
                    sb.Append(c);
                    break;
            }
        }

        if (inClass)
        {
            problem = "missing closing ]";
            return null;
        }

        return sb.ToString();
    }
}
