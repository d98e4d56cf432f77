namespace TuneOperator.Testing.Schema;

/// <summary>A recursive-descent parser for CEL with the language's precedence:
/// ternary, <c>||</c>, <c>&amp;&amp;</c>, relations (incl. <c>in</c>), <c>+ -</c>, <c>* / %</c>, unary <c>! -</c>,
/// member access, index and calls. Macros (<c>has</c>, <c>all</c>, <c>exists</c>, <c>exists_one</c>, <c>map</c>,
/// <c>filter</c>) are expanded into their own nodes.</summary>
internal sealed class CelParser
{
    private const int MaxDepth = 250;

    private static readonly HashSet<string> Reserved =
    [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package",
        "namespace", "return", "var", "void", "while",
    ];

    private readonly List<CelToken> tokens;
    private int index;
    private int depth;

    private CelParser(List<CelToken> tokens) => this.tokens = tokens;

    /// <summary>Parses a whole expression; throws <see cref="CelParseException"/> on any syntax error.</summary>
    public static CelExpr Parse(string text)
    {
        var parser = new CelParser(CelLexer.Tokenize(text));
        var expr = parser.ParseExpr();
        var next = parser.Peek;
        if (next.Kind != CelTokenKind.End)
        {
            throw new CelParseException($"unexpected '{next.Text}'", next.Position);
        }

        return expr;
    }

    private CelToken Peek => tokens[index];

    private bool IsPunct(string text) => Peek.Kind == CelTokenKind.Punct && Peek.Text == text;

    private bool Accept(string text)
    {
        if (IsPunct(text))
        {
            index++;
            return true;
        }

        return false;
    }

    private CelToken Expect(string text)
    {
        if (!IsPunct(text))
        {
            throw new CelParseException(
                Peek.Kind == CelTokenKind.End ? $"expected '{text}' but the expression ended" : $"expected '{text}' but found '{Peek.Text}'",
                Peek.Position);
        }

        return tokens[index++];
    }

    private CelExpr ParseExpr()
    {
        if (++depth > MaxDepth)
        {
            throw new CelParseException("expression nested too deeply", Peek.Position);
        }

        var condition = ParseOr();
        if (IsPunct("?"))
        {
            var position = tokens[index++].Position;
            var then = ParseOr();
            Expect(":");
            var otherwise = ParseExpr();
            condition = new CelConditional(condition, then, otherwise, position);
        }

        depth--;
        return condition;
    }

    private CelExpr ParseOr()
    {
        var left = ParseAnd();
        while (IsPunct("||"))
        {
            var position = tokens[index++].Position;
            left = new CelBinary("||", left, ParseAnd(), position);
        }

        return left;
    }

    private CelExpr ParseAnd()
    {
        var left = ParseRelation();
        while (IsPunct("&&"))
        {
            var position = tokens[index++].Position;
            left = new CelBinary("&&", left, ParseRelation(), position);
        }

        return left;
    }

    private CelExpr ParseRelation()
    {
        var left = ParseAddition();
        while (true)
        {
            var t = Peek;
            string? op = t.Kind == CelTokenKind.Punct && t.Text is "<" or "<=" or ">" or ">=" or "==" or "!=" ? t.Text
                : t.Kind == CelTokenKind.Identifier && t.Text == "in" ? "in" : null;
            if (op is null)
            {
                return left;
            }

            index++;
            left = new CelBinary(op, left, ParseAddition(), t.Position);
        }
    }

    private CelExpr ParseAddition()
    {
        var left = ParseMultiplication();
        while (IsPunct("+") || IsPunct("-"))
        {
            var t = tokens[index++];
            left = new CelBinary(t.Text, left, ParseMultiplication(), t.Position);
        }

        return left;
    }

    private CelExpr ParseMultiplication()
    {
        var left = ParseUnary();
        while (IsPunct("*") || IsPunct("/") || IsPunct("%"))
        {
            var t = tokens[index++];
            left = new CelBinary(t.Text, left, ParseUnary(), t.Position);
        }

        return left;
    }

    private CelExpr ParseUnary()
    {
        if (++depth > MaxDepth)
        {
            throw new CelParseException("expression nested too deeply", Peek.Position);
        }

        var result = ParseUnaryInner();
        depth--;
        return result;
    }

    private CelExpr ParseUnaryInner()
    {
        if (IsPunct("!"))
        {
            var t = tokens[index++];
            return new CelUnary("!", ParseUnary(), t.Position);
        }

        if (IsPunct("-"))
        {
            var t = tokens[index++];

            // Fold the sign into a directly following int literal so that the minimum int64 is expressible.
            if (Peek.Kind == CelTokenKind.Int && !IsMemberFollow(index + 1))
            {
                var magnitude = (ulong)tokens[index++].Value!;
                return new CelLiteral(magnitude == 0x8000000000000000UL ? long.MinValue : -(long)magnitude, t.Position);
            }

            return new CelUnary("-", ParseUnary(), t.Position);
        }

        return ParseMember();
    }

    private bool IsMemberFollow(int at) =>
        tokens[at].Kind == CelTokenKind.Punct && tokens[at].Text is "." or "[";

    private CelExpr ParseMember()
    {
        var expr = ParsePrimary();
        while (true)
        {
            if (IsPunct("."))
            {
                index++;
                var name = ExpectIdentifier();
                if (IsPunct("("))
                {
                    index++;
                    var args = ParseArgs(")");
                    expr = MakeMethod(expr, name, args);
                }
                else
                {
                    expr = new CelSelect(expr, name.Text, name.Position);
                }
            }
            else if (IsPunct("["))
            {
                var t = tokens[index++];
                var key = ParseExpr();
                Expect("]");
                expr = new CelIndex(expr, key, t.Position);
            }
            else
            {
                return expr;
            }
        }
    }

    private CelToken ExpectIdentifier()
    {
        var t = Peek;
        if (t.Kind != CelTokenKind.Identifier || t.Text is "true" or "false" or "null" or "in")
        {
            throw new CelParseException($"expected an identifier but found '{t.Text}'", t.Position);
        }

        if (Reserved.Contains(t.Text))
        {
            throw new CelParseException($"reserved identifier '{t.Text}'", t.Position);
        }

        index++;
        return t;
    }

    private List<CelExpr> ParseArgs(string close)
    {
        var args = new List<CelExpr>();
        if (Accept(close))
        {
            return args;
        }

        while (true)
        {
            args.Add(ParseExpr());
            if (Accept(close))
            {
                return args;
            }

            Expect(",");
            if (Accept(close))
            {
                return args;
            }
        }
    }

    private static CelExpr MakeMethod(CelExpr target, CelToken name, List<CelExpr> args)
    {
        var macro = name.Text switch
        {
            "all" when args.Count == 2 => CelMacro.All,
            "exists" when args.Count == 2 => CelMacro.Exists,
            "exists_one" when args.Count == 2 => CelMacro.ExistsOne,
            "filter" when args.Count == 2 => CelMacro.Filter,
            "map" when args.Count is 2 or 3 => CelMacro.Map,
            _ => (CelMacro?)null,
        };
        if (macro is null)
        {
            return new CelCall(name.Text, target, args, name.Position);
        }

        if (args[0] is not CelIdent variable)
        {
            throw new CelParseException($"the first argument of {name.Text}() must be a simple identifier", args[0].Position);
        }

        return macro switch
        {
            CelMacro.Map when args.Count == 3 => new CelComprehension(CelMacro.Map, target, variable.Name, args[1], args[2], name.Position),
            CelMacro.Map => new CelComprehension(CelMacro.Map, target, variable.Name, null, args[1], name.Position),
            _ => new CelComprehension(macro.Value, target, variable.Name, args[1], null, name.Position),
        };
    }

    private CelExpr ParsePrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case CelTokenKind.Int:
                index++;
                var magnitude = (ulong)t.Value!;
                return magnitude > long.MaxValue
                    ? throw new CelParseException("int literal out of range", t.Position)
                    : new CelLiteral((long)magnitude, t.Position);
            case CelTokenKind.Uint or CelTokenKind.Double or CelTokenKind.String or CelTokenKind.Bytes:
                index++;
                return new CelLiteral(t.Value, t.Position);
            case CelTokenKind.Identifier:
                return ParseIdentifierPrimary();
            case CelTokenKind.Punct when t.Text == "(":
                index++;
                var inner = ParseExpr();
                Expect(")");
                return inner;
            case CelTokenKind.Punct when t.Text == "[":
                index++;
                return new CelListLiteral(ParseArgs("]"), t.Position);
            case CelTokenKind.Punct when t.Text == "{":
                index++;
                return ParseMapLiteral(t.Position);
            case CelTokenKind.Punct when t.Text == ".":
                index++;
                var name = ExpectIdentifier();
                return new CelIdent(name.Text, name.Position);
            case CelTokenKind.End:
                throw new CelParseException("unexpected end of expression", t.Position);
            default:
                throw new CelParseException($"unexpected '{t.Text}'", t.Position);
        }
    }

    private CelExpr ParseIdentifierPrimary()
    {
        var t = Peek;
        switch (t.Text)
        {
            case "true":
                index++;
                return new CelLiteral(true, t.Position);
            case "false":
                index++;
                return new CelLiteral(false, t.Position);
            case "null":
                index++;
                return new CelLiteral(null, t.Position);
        }

        var name = ExpectIdentifier();
        if (!IsPunct("("))
        {
            return new CelIdent(name.Text, name.Position);
        }

        index++;
        var args = ParseArgs(")");
        if (name.Text == "has")
        {
            return args is [CelSelect select]
                ? new CelHas(select, name.Position)
                : throw new CelParseException("has() takes one field selection such as has(self.field)", name.Position);
        }

        return new CelCall(name.Text, null, args, name.Position);
    }

    private CelExpr ParseMapLiteral(int position)
    {
        var entries = new List<(CelExpr, CelExpr)>();
        if (Accept("}"))
        {
            return new CelMapLiteral(entries, position);
        }

        while (true)
        {
            var key = ParseExpr();
            Expect(":");
            var value = ParseExpr();
            entries.Add((key, value));
            if (Accept("}"))
            {
                return new CelMapLiteral(entries, position);
            }

            Expect(",");
            if (Accept("}"))
            {
                return new CelMapLiteral(entries, position);
            }
        }
    }
}
