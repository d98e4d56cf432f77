using System.Globalization;
using System.Text;

namespace TuneOperator.Testing.Schema;

/// <summary>The kinds of CEL tokens.</summary>
internal enum CelTokenKind
{
    End,
    Identifier,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Punct,
}

/// <summary>One CEL token: its kind, its text (operators, identifiers), its literal value and its offset.</summary>
internal sealed record CelToken(CelTokenKind Kind, string Text, object? Value, int Position);

/// <summary>Splits a CEL expression into tokens, decoding literals as the CEL language definition specifies.</summary>
internal static class CelLexer
{
    private static readonly string[] Punctuation =
    [
        "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}", "=",
    ];

    /// <summary>Tokenizes <paramref name="text"/>; throws <see cref="CelParseException"/> on a malformed token.</summary>
    public static List<CelToken> Tokenize(string text)
    {
        var tokens = new List<CelToken>();
        var i = 0;
        while (true)
        {
            i = SkipSpaceAndComments(text, i);
            if (i >= text.Length)
            {
                tokens.Add(new CelToken(CelTokenKind.End, "", null, i));
                return tokens;
            }

            var c = text[i];
            if (IsStringStart(text, i, out var prefixLength))
            {
                tokens.Add(ReadString(text, i, prefixLength, out i));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(ReadNumber(text, i, out i));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new CelToken(CelTokenKind.Identifier, text[start..i], null, start));
            }
            else
            {
                var op = Punctuation.FirstOrDefault(p => string.CompareOrdinal(text, i, p, 0, p.Length) == 0)
                    ?? throw new CelParseException($"unexpected character '{c}'", i);
                if (op == "=")
                {
                    throw new CelParseException("unexpected '=' (use '==' to compare)", i);
                }

                tokens.Add(new CelToken(CelTokenKind.Punct, op, null, i));
                i += op.Length;
            }
        }
    }

    private static int SkipSpaceAndComments(string text, int i)
    {
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            else if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else
            {
                break;
            }
        }

        return i;
    }

    private static bool IsStringStart(string text, int i, out int prefixLength)
    {
        prefixLength = 0;
        while (prefixLength < 2 && i + prefixLength < text.Length && "rRbB".Contains(text[i + prefixLength], StringComparison.Ordinal))
        {
            prefixLength++;
        }

        if (i + prefixLength < text.Length && (text[i + prefixLength] == '"' || text[i + prefixLength] == '\''))
        {
            var prefix = text.Substring(i, prefixLength).ToLowerInvariant();
            return prefix is "" or "r" or "b" or "rb" or "br";
        }

        prefixLength = 0;
        return false;
    }

    private static CelToken ReadString(string text, int start, int prefixLength, out int end)
    {
        var prefix = text.Substring(start, prefixLength).ToLowerInvariant();
        var raw = prefix.Contains('r', StringComparison.Ordinal);
        var isBytes = prefix.Contains('b', StringComparison.Ordinal);
        var i = start + prefixLength;
        var quote = text[i];
        var triple = i + 2 < text.Length && text[i + 1] == quote && text[i + 2] == quote;
        i += triple ? 3 : 1;
        var bytes = new List<byte>();
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= text.Length)
            {
                throw new CelParseException("unterminated string literal", start);
            }

            var c = text[i];
            if (triple ? (c == quote && i + 2 < text.Length && text[i + 1] == quote && text[i + 2] == quote) : c == quote)
            {
                i += triple ? 3 : 1;
                break;
            }

            if (!triple && (c == '\n' || c == '\r'))
            {
                throw new CelParseException("newline in single-quoted string literal (use a triple-quoted string)", i);
            }

            if (c == '\\' && !raw)
            {
                i = ReadEscape(text, i, isBytes, sb, bytes);
                continue;
            }

            var rune = Rune.GetRuneAt(text, i);
            AppendText(sb, bytes, isBytes, rune.ToString());
            i += rune.Utf16SequenceLength;
        }

        end = i;
        var literal = text[start..i];
        return isBytes
            ? new CelToken(CelTokenKind.Bytes, literal, new CelBytes([.. bytes]), start)
            : new CelToken(CelTokenKind.String, literal, sb.ToString(), start);
    }

    private static void AppendText(StringBuilder sb, List<byte> bytes, bool isBytes, string s)
    {
        if (isBytes)
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(s));
        }
        else
        {
            sb.Append(s);
        }
    }

    private static int ReadEscape(string text, int i, bool isBytes, StringBuilder sb, List<byte> bytes)
    {
        if (i + 1 >= text.Length)
        {
            throw new CelParseException("unterminated escape sequence", i);
        }

        var e = text[i + 1];
        string? simple = e switch
        {
            'a' => "\a",
            'b' => "\b",
            'f' => "\f",
            'n' => "\n",
            'r' => "\r",
            't' => "\t",
            'v' => "\v",
            '\\' => "\\",
            '\'' => "'",
            '"' => "\"",
            '`' => "`",
            '?' => "?",
            _ => null,
        };
        if (simple is not null)
        {
            AppendText(sb, bytes, isBytes, simple);
            return i + 2;
        }

        int digits;
        int radix;
        switch (e)
        {
            case 'x' or 'X':
                digits = 2;
                radix = 16;
                break;
            case 'u':
                digits = 4;
                radix = 16;
                break;
            case 'U':
                digits = 8;
                radix = 16;
                break;
            case >= '0' and <= '3':
                digits = 3;
                radix = 8;
                break;
            default:
                throw new CelParseException($"invalid escape sequence '\\{e}'", i);
        }

        var start = radix == 8 ? i + 1 : i + 2;
        if (start + digits > text.Length)
        {
            throw new CelParseException($"escape sequence '\\{e}' needs {digits} digits", i);
        }

        var digitText = text.Substring(start, digits);
        int code;
        try
        {
            code = radix == 16
                ? int.Parse(digitText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
                : Convert.ToInt32(digitText, 8);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            throw new CelParseException($"invalid escape sequence '\\{e}{digitText}'", i);
        }

        if (e is 'u' or 'U')
        {
            if (isBytes)
            {
                throw new CelParseException("\\u and \\U escapes are not allowed in bytes literals", i);
            }

            if (!Rune.IsValid(code))
            {
                throw new CelParseException($"invalid code point in escape sequence '\\{e}{digitText}'", i);
            }

            sb.Append(new Rune(code).ToString());
        }
        else if (isBytes)
        {
            bytes.Add((byte)code);
        }
        else
        {
            sb.Append(new Rune(code).ToString());
        }

        return start + digits;
    }

    private static CelToken ReadNumber(string text, int start, out int end)
    {
        var i = start;
        if (text[i] == '0' && i + 1 < text.Length && (text[i + 1] == 'x' || text[i + 1] == 'X'))
        {
            i += 2;
            var digitsStart = i;
            while (i < text.Length && char.IsAsciiHexDigit(text[i]))
            {
                i++;
            }

            if (i == digitsStart)
            {
                throw new CelParseException("hexadecimal literal without digits", start);
            }

            var hex = text[digitsStart..i];
            if (i < text.Length && (text[i] == 'u' || text[i] == 'U'))
            {
                end = i + 1;
                return ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var u)
                    ? new CelToken(CelTokenKind.Uint, text[start..end], u, start)
                    : throw new CelParseException("uint literal out of range", start);
            }

            end = i;
            return ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h) && h <= 0x8000000000000000UL
                ? new CelToken(CelTokenKind.Int, text[start..end], h, start)
                : throw new CelParseException("int literal out of range", start);
        }

        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        var isDouble = false;
        if (i + 1 < text.Length && text[i] == '.' && char.IsAsciiDigit(text[i + 1]))
        {
            isDouble = true;
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            var j = i + 1;
            if (j < text.Length && (text[j] == '+' || text[j] == '-'))
            {
                j++;
            }

            if (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                isDouble = true;
                i = j;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }
            }
        }

        var literal = text[start..i];
        if (isDouble)
        {
            end = i;
            return new CelToken(CelTokenKind.Double, literal, double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture), start);
        }

        if (i < text.Length && (text[i] == 'u' || text[i] == 'U'))
        {
            end = i + 1;
            return ulong.TryParse(literal, NumberStyles.None, CultureInfo.InvariantCulture, out var u)
                ? new CelToken(CelTokenKind.Uint, text[start..end], u, start)
                : throw new CelParseException("uint literal out of range", start);
        }

        end = i;

        // Int literals keep their magnitude as ulong so that the parser can fold -9223372036854775808.
        return ulong.TryParse(literal, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= 0x8000000000000000UL
            ? new CelToken(CelTokenKind.Int, literal, v, start)
            : throw new CelParseException("int literal out of range", start);
    }
}
