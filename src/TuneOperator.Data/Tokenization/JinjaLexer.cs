using System.Globalization;
using System.Text;

namespace TuneOperator.Data.Tokenization;

internal enum JinjaTokenKind
{
    Text,
    OutputStart,
    OutputEnd,
    StatementStart,
    StatementEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}

internal sealed record JinjaToken(JinjaTokenKind Kind, string Value, int Line, int Column)
{
    public bool Is(JinjaTokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsName(string value) => Kind == JinjaTokenKind.Name && Value == value;

    public bool IsOperator(string value) => Kind == JinjaTokenKind.Operator && Value == value;
}

/// <summary>
/// Splits a template into text and tag tokens with Jinja2's whitespace handling as Hugging Face configures it:
/// trim_blocks and lstrip_blocks on, "-" in a delimiter strips the whitespace next to it, comments vanish.
/// </summary>
internal sealed class JinjaLexer(string template, string source)
{
    private static readonly string[] Operators = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private readonly List<JinjaToken> tokens = [];
    private int position;
    private bool stripNextText;
    private bool trimNextNewline;

    public List<JinjaToken> Tokenize()
    {
        while (position < template.Length)
        {
            var tagStart = FindTagStart(position);
            var textEnd = tagStart < 0 ? template.Length : tagStart;
            var text = template[position..textEnd];
            var textPosition = position;
            position = textEnd;

            var kind = tagStart < 0 ? '\0' : template[tagStart + 1];
            var stripBefore = tagStart >= 0 && tagStart + 2 < template.Length && template[tagStart + 2] == '-';
            var keepBefore = tagStart >= 0 && tagStart + 2 < template.Length && template[tagStart + 2] == '+';
            text = ApplyLeadingControl(text);
            if (stripBefore)
            {
                text = text.TrimEnd();
            }
            else if (kind is '%' or '#' && !keepBefore)
            {
                text = LeftStripBlock(text, textPosition == 0);
            }

            if (text.Length > 0)
            {
                var (line, column) = Locate(textPosition);
                tokens.Add(new JinjaToken(JinjaTokenKind.Text, text, line, column));
            }

            if (tagStart < 0)
            {
                break;
            }

            position = tagStart + 2 + (stripBefore || keepBefore ? 1 : 0);
            switch (kind)
            {
                case '#':
                    ReadComment(tagStart);
                    break;
                case '{':
                    Add(JinjaTokenKind.OutputStart, "{{", tagStart);
                    ReadTag("}}", JinjaTokenKind.OutputEnd, isBlock: false);
                    break;
                default:
                    Add(JinjaTokenKind.StatementStart, "{%", tagStart);
                    ReadTag("%}", JinjaTokenKind.StatementEnd, isBlock: true);
                    break;
            }
        }

        var (endLine, endColumn) = Locate(template.Length);
        tokens.Add(new JinjaToken(JinjaTokenKind.End, string.Empty, endLine, endColumn));
        return tokens;
    }

    private int FindTagStart(int from)
    {
        for (var i = from; i + 1 < template.Length; i++)
        {
            if (template[i] == '{' && template[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    private string ApplyLeadingControl(string text)
    {
        if (stripNextText)
        {
            text = text.TrimStart();
        }
        else if (trimNextNewline)
        {
            if (text.StartsWith("\r\n", StringComparison.Ordinal))
            {
                text = text[2..];
            }
            else if (text.StartsWith('\n'))
            {
                text = text[1..];
            }
        }

        stripNextText = false;
        trimNextNewline = false;
        return text;
    }

    private static string LeftStripBlock(string text, bool atTemplateStart)
    {
        // lstrip_blocks: spaces and tabs between the start of a line and a block tag are removed.
        var lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !atTemplateStart)
        {
            return text;
        }

        for (var i = lineStart; i < text.Length; i++)
        {
            if (text[i] is not (' ' or '\t'))
            {
                return text;
            }
        }

        return text[..lineStart];
    }

    private void ReadComment(int tagStart)
    {
        var end = template.IndexOf("#}", position, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Error(tagStart, "the comment is not closed with #}.");
        }

        stripNextText = end > 0 && template[end - 1] == '-';
        trimNextNewline = !stripNextText;
        position = end + 2;
    }

    private void ReadTag(string close, JinjaTokenKind endKind, bool isBlock)
    {
        while (true)
        {
            SkipWhitespace();
            if (position >= template.Length)
            {
                throw Error(position, $"the tag is not closed with {close}.");
            }

            if (template[position] == '-' && string.CompareOrdinal(template, position + 1, close, 0, 2) == 0)
            {
                Add(endKind, close, position);
                position += 3;
                stripNextText = true;
                return;
            }

            if (template[position] == '+' && string.CompareOrdinal(template, position + 1, close, 0, 2) == 0)
            {
                Add(endKind, close, position);
                position += 3;
                return;
            }

            if (string.CompareOrdinal(template, position, close, 0, 2) == 0)
            {
                Add(endKind, close, position);
                position += 2;
                trimNextNewline = isBlock;
                return;
            }

            ReadExpressionToken();
        }
    }

    private void SkipWhitespace()
    {
        while (position < template.Length && char.IsWhiteSpace(template[position]))
        {
            position++;
        }
    }

    private void ReadExpressionToken()
    {
        var start = position;
        var c = template[position];
        if (c is '\'' or '"')
        {
            Add(JinjaTokenKind.String, ReadString(c), start);
            return;
        }

        if (char.IsAsciiDigit(c))
        {
            while (position < template.Length && (char.IsAsciiDigit(template[position]) || template[position] == '_'))
            {
                position++;
            }

            var isFloat = false;
            if (position + 1 < template.Length && template[position] == '.' && char.IsAsciiDigit(template[position + 1]))
            {
                isFloat = true;
                position++;
                while (position < template.Length && char.IsAsciiDigit(template[position]))
                {
                    position++;
                }
            }

            var number = template[start..position].Replace("_", string.Empty, StringComparison.Ordinal);
            Add(isFloat ? JinjaTokenKind.Float : JinjaTokenKind.Integer, number, start);
            return;
        }

        if (char.IsLetter(c) || c == '_')
        {
            while (position < template.Length && (char.IsLetterOrDigit(template[position]) || template[position] == '_'))
            {
                position++;
            }

            Add(JinjaTokenKind.Name, template[start..position], start);
            return;
        }

        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(template, position, op, 0, op.Length) == 0)
            {
                position += op.Length;
                Add(JinjaTokenKind.Operator, op, start);
                return;
            }
        }

        throw Error(position, $"unexpected character '{c}'.");
    }

    private string ReadString(char quote)
    {
        var start = position;
        position++;
        var builder = new StringBuilder();
        while (position < template.Length && template[position] != quote)
        {
            var c = template[position++];
            if (c != '\\' || position >= template.Length)
            {
                builder.Append(c);
                continue;
            }

            var escaped = template[position++];
            switch (escaped)
            {
                case 'n': builder.Append('\n'); break;
                case 't': builder.Append('\t'); break;
                case 'r': builder.Append('\r'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case '0': builder.Append('\0'); break;
                case '\\': builder.Append('\\'); break;
                case '\'': builder.Append('\''); break;
                case '"': builder.Append('"'); break;
                case '\n': break;
                case 'u' when position + 4 <= template.Length:
                    builder.Append((char)int.Parse(template.AsSpan(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    position += 4;
                    break;
                case 'x' when position + 2 <= template.Length:
                    builder.Append((char)int.Parse(template.AsSpan(position, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    position += 2;
                    break;
                default:
                    builder.Append('\\').Append(escaped);
                    break;
            }
        }

        if (position >= template.Length)
        {
            throw Error(start, "the string literal is not closed.");
        }

        position++;
        return builder.ToString();
    }

    private void Add(JinjaTokenKind kind, string value, int at)
    {
        var (line, column) = Locate(at);
        tokens.Add(new JinjaToken(kind, value, line, column));
    }

    private (int Line, int Column) Locate(int at)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < at && i < template.Length; i++)
        {
            if (template[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, at - lineStart + 1);
    }

    private JinjaTemplateException Error(int at, string message)
    {
        var (line, column) = Locate(at);
        return new JinjaTemplateException(source, line, column, message);
    }
}
