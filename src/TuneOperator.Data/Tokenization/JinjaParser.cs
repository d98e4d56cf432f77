using System.Globalization;

namespace TuneOperator.Data.Tokenization;

/// <summary>Parses Jinja tokens into nodes: if/elif/else, for (with loop filter and else), set, expressions.</summary>
internal sealed class JinjaParser(List<JinjaToken> tokens, string source)
{
    private int index;

    private JinjaToken Current => tokens[index];

    public List<JinjaNode> ParseTemplate()
    {
        var (body, end) = ParseBlock();
        if (end is not null)
        {
            throw Error(end, $"unexpected {{% {end.Value} %}} without a matching opening tag.");
        }

        return body;
    }

    /// <summary>Parses nodes until the end of the template or a block tag that closes or continues the enclosing block.</summary>
    private (List<JinjaNode> Body, JinjaToken? Terminator) ParseBlock(params string[] terminators)
    {
        var body = new List<JinjaNode>();
        while (Current.Kind != JinjaTokenKind.End)
        {
            var token = Current;
            switch (token.Kind)
            {
                case JinjaTokenKind.Text:
                    body.Add(new TextNode(token, token.Value));
                    index++;
                    break;
                case JinjaTokenKind.OutputStart:
                    index++;
                    var value = ParseExpression();
                    Expect(JinjaTokenKind.OutputEnd, "}}");
                    body.Add(new OutputNode(token, value));
                    break;
                case JinjaTokenKind.StatementStart:
                    var keyword = tokens[index + 1];
                    if (keyword.Kind == JinjaTokenKind.Name && terminators.Contains(keyword.Value))
                    {
                        index += 2;
                        return (body, keyword);
                    }

                    index++;
                    body.Add(ParseStatement());
                    break;
                default:
                    throw Error(token, $"unexpected '{token.Value}'.");
            }
        }

        if (terminators.Length > 0)
        {
            throw Error(Current, $"the template ended before {{% {terminators[^1]} %}}.");
        }

        return (body, null);
    }

    private JinjaNode ParseStatement()
    {
        var keyword = Current;
        if (keyword.Kind != JinjaTokenKind.Name)
        {
            throw Error(keyword, "expected a statement name after {%.");
        }

        index++;
        switch (keyword.Value)
        {
            case "if":
                return ParseIf(keyword);
            case "for":
                return ParseFor(keyword);
            case "set":
                return ParseSet(keyword);
            case "generation":
                Expect(JinjaTokenKind.StatementEnd, "%}");
                var (body, _) = ParseBlock("endgeneration");
                Expect(JinjaTokenKind.StatementEnd, "%}");
                return new BlockNode(keyword, body);
            case "break":
            case "continue":
                Expect(JinjaTokenKind.StatementEnd, "%}");
                return new LoopControlNode(keyword, keyword.Value == "break");
            default:
                throw Error(keyword, $"the statement '{keyword.Value}' is not supported (supported: if, elif, else, for, set, break, continue, generation).");
        }
    }

    private IfNode ParseIf(JinjaToken keyword)
    {
        var branches = new List<(JinjaExpression, IReadOnlyList<JinjaNode>)>();
        var condition = ParseExpression();
        Expect(JinjaTokenKind.StatementEnd, "%}");
        while (true)
        {
            var (body, end) = ParseBlock("elif", "else", "endif");
            branches.Add((condition, body));
            switch (end!.Value)
            {
                case "elif":
                    condition = ParseExpression();
                    Expect(JinjaTokenKind.StatementEnd, "%}");
                    continue;
                case "else":
                    Expect(JinjaTokenKind.StatementEnd, "%}");
                    var (otherwise, _) = ParseBlock("endif");
                    Expect(JinjaTokenKind.StatementEnd, "%}");
                    return new IfNode(keyword, branches, otherwise);
                default:
                    Expect(JinjaTokenKind.StatementEnd, "%}");
                    return new IfNode(keyword, branches, []);
            }
        }
    }

    private ForNode ParseFor(JinjaToken keyword)
    {
        var targets = new List<string> { ExpectName() };
        while (Current.IsOperator(","))
        {
            index++;
            targets.Add(ExpectName());
        }

        if (!Current.IsName("in"))
        {
            throw Error(Current, "expected 'in' after the loop variable.");
        }

        index++;
        var iterable = ParseConditional(allowConditional: false);
        JinjaExpression? filter = null;
        if (Current.IsName("if"))
        {
            index++;
            filter = ParseExpression();
        }

        Expect(JinjaTokenKind.StatementEnd, "%}");
        var (body, end) = ParseBlock("else", "endfor");
        IReadOnlyList<JinjaNode> otherwise = [];
        if (end!.Value == "else")
        {
            Expect(JinjaTokenKind.StatementEnd, "%}");
            (otherwise, _) = ParseBlock("endfor");
        }

        Expect(JinjaTokenKind.StatementEnd, "%}");
        return new ForNode(keyword, targets, iterable, filter, body, otherwise);
    }

    private SetNode ParseSet(JinjaToken keyword)
    {
        var target = ParsePrimaryWithPostfix();
        if (Current.IsOperator(","))
        {
            var items = new List<JinjaExpression> { target };
            while (Current.IsOperator(","))
            {
                index++;
                items.Add(ParsePrimaryWithPostfix());
            }

            target = new ListExpression(target.At, items);
        }

        if (Current.IsOperator("="))
        {
            index++;
            var value = ParseExpression();
            Expect(JinjaTokenKind.StatementEnd, "%}");
            return new SetNode(keyword, target, value, null);
        }

        Expect(JinjaTokenKind.StatementEnd, "%}");
        var (body, _) = ParseBlock("endset");
        Expect(JinjaTokenKind.StatementEnd, "%}");
        return new SetNode(keyword, target, null, body);
    }

    public JinjaExpression ParseExpression() => ParseConditional(allowConditional: true);

    private JinjaExpression ParseConditional(bool allowConditional)
    {
        var value = ParseOr();
        while (allowConditional && Current.IsName("if"))
        {
            var at = Current;
            index++;
            var condition = ParseOr();
            JinjaExpression? otherwise = null;
            if (Current.IsName("else"))
            {
                index++;
                otherwise = ParseConditional(allowConditional: true);
            }

            value = new ConditionalExpression(at, condition, value, otherwise);
        }

        return value;
    }

    private JinjaExpression ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var at = Current;
            index++;
            left = new BinaryExpression(at, "or", left, ParseAnd());
        }

        return left;
    }

    private JinjaExpression ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var at = Current;
            index++;
            left = new BinaryExpression(at, "and", left, ParseNot());
        }

        return left;
    }

    private JinjaExpression ParseNot()
    {
        if (Current.IsName("not"))
        {
            var at = Current;
            index++;
            return new UnaryExpression(at, "not", ParseNot());
        }

        return ParseCompare();
    }

    private JinjaExpression ParseCompare()
    {
        var left = ParseAdditive();
        while (true)
        {
            var at = Current;
            string op;
            if (at.Kind == JinjaTokenKind.Operator && at.Value is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                op = at.Value;
                index++;
            }
            else if (at.IsName("in"))
            {
                op = "in";
                index++;
            }
            else if (at.IsName("not") && tokens[index + 1].IsName("in"))
            {
                op = "not in";
                index += 2;
            }
            else
            {
                return left;
            }

            left = new BinaryExpression(at, op, left, ParseAdditive());
        }
    }

    private JinjaExpression ParseAdditive()
    {
        var left = ParseConcat();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Value is "+" or "-")
        {
            var at = Current;
            index++;
            left = new BinaryExpression(at, at.Value, left, ParseConcat());
        }

        return left;
    }

    private JinjaExpression ParseConcat()
    {
        var left = ParseMultiplicative();
        while (Current.IsOperator("~"))
        {
            var at = Current;
            index++;
            left = new BinaryExpression(at, "~", left, ParseMultiplicative());
        }

        return left;
    }

    private JinjaExpression ParseMultiplicative()
    {
        var left = ParsePower();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var at = Current;
            index++;
            left = new BinaryExpression(at, at.Value, left, ParsePower());
        }

        return left;
    }

    private JinjaExpression ParsePower()
    {
        var left = ParseUnary();
        while (Current.IsOperator("**"))
        {
            var at = Current;
            index++;
            left = new BinaryExpression(at, "**", left, ParseUnary());
        }

        return left;
    }

    private JinjaExpression ParseUnary()
    {
        if (Current.Kind == JinjaTokenKind.Operator && Current.Value is "-" or "+")
        {
            var at = Current;
            index++;
            return ParseFiltersAndTests(new UnaryExpression(at, at.Value, ParseUnary()));
        }

        return ParseFiltersAndTests(ParsePrimaryWithPostfix());
    }

    private JinjaExpression ParseFiltersAndTests(JinjaExpression value)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                var at = Current;
                index++;
                var name = ExpectName();
                var arguments = Current.IsOperator("(") ? ParseArguments() : Arguments.None;
                value = new FilterExpression(at, value, name, arguments);
            }
            else if (Current.IsName("is"))
            {
                var at = Current;
                index++;
                var negated = false;
                if (Current.IsName("not"))
                {
                    negated = true;
                    index++;
                }

                var name = ExpectName();
                Arguments arguments;
                if (Current.IsOperator("("))
                {
                    arguments = ParseArguments();
                }
                else if (Current.Kind is JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float
                    || (Current.Kind == JinjaTokenKind.Name && Current.Value is not ("and" or "or" or "else" or "if" or "in" or "not" or "is")))
                {
                    arguments = new Arguments([ParsePrimaryWithPostfix()], []);
                }
                else
                {
                    arguments = Arguments.None;
                }

                value = new TestExpression(at, value, name, arguments, negated);
            }
            else
            {
                return value;
            }
        }
    }

    private JinjaExpression ParsePrimaryWithPostfix()
    {
        var value = ParsePrimary();

        // Postfix expressions report the position where the whole expression starts.
        var at = value.At;
        while (true)
        {
            if (Current.IsOperator("."))
            {
                index++;
                var name = Current;
                if (name.Kind is not (JinjaTokenKind.Name or JinjaTokenKind.Integer))
                {
                    throw Error(name, "expected an attribute name after '.'.");
                }

                index++;
                value = name.Kind == JinjaTokenKind.Integer
                    ? new IndexExpression(at, value, new LiteralExpression(name, long.Parse(name.Value, CultureInfo.InvariantCulture)))
                    : new AttributeExpression(at, value, name.Value);
            }
            else if (Current.IsOperator("["))
            {
                index++;
                value = ParseSubscript(at, value);
            }
            else if (Current.IsOperator("("))
            {
                value = new CallExpression(at, value, ParseArguments());
            }
            else
            {
                return value;
            }
        }
    }

    private JinjaExpression ParseSubscript(JinjaToken at, JinjaExpression target)
    {
        JinjaExpression? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (Current.IsOperator("]"))
            {
                index++;
                return new IndexExpression(at, target, start);
            }
        }

        Expect(JinjaTokenKind.Operator, ":");
        JinjaExpression? stop = null;
        JinjaExpression? step = null;
        if (!Current.IsOperator(":") && !Current.IsOperator("]"))
        {
            stop = ParseExpression();
        }

        if (Current.IsOperator(":"))
        {
            index++;
            if (!Current.IsOperator("]"))
            {
                step = ParseExpression();
            }
        }

        Expect(JinjaTokenKind.Operator, "]");
        return new SliceExpression(at, target, start, stop, step);
    }

    private Arguments ParseArguments()
    {
        Expect(JinjaTokenKind.Operator, "(");
        var positional = new List<JinjaExpression>();
        var named = new List<(string, JinjaExpression)>();
        while (!Current.IsOperator(")"))
        {
            if (Current.Kind == JinjaTokenKind.Name && tokens[index + 1].IsOperator("="))
            {
                var name = Current.Value;
                index += 2;
                named.Add((name, ParseExpression()));
            }
            else
            {
                positional.Add(ParseExpression());
            }

            if (!Current.IsOperator(","))
            {
                break;
            }

            index++;
        }

        Expect(JinjaTokenKind.Operator, ")");
        return new Arguments(positional, named);
    }

    private JinjaExpression ParsePrimary()
    {
        var token = Current;
        index++;
        switch (token.Kind)
        {
            case JinjaTokenKind.String:
                var text = token.Value;
                while (Current.Kind == JinjaTokenKind.String)
                {
                    text += Current.Value;
                    index++;
                }

                return new LiteralExpression(token, text);
            case JinjaTokenKind.Integer:
                return new LiteralExpression(token, long.Parse(token.Value, CultureInfo.InvariantCulture));
            case JinjaTokenKind.Float:
                return new LiteralExpression(token, double.Parse(token.Value, CultureInfo.InvariantCulture));
            case JinjaTokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpression(token, true),
                    "false" or "False" => new LiteralExpression(token, false),
                    "none" or "None" => new LiteralExpression(token, null),
                    _ => new NameExpression(token, token.Value),
                };
            case JinjaTokenKind.Operator when token.Value == "(":
                if (Current.IsOperator(")"))
                {
                    index++;
                    return new ListExpression(token, []);
                }

                var first = ParseExpression();
                if (Current.IsOperator(","))
                {
                    var items = new List<JinjaExpression> { first };
                    while (Current.IsOperator(","))
                    {
                        index++;
                        if (Current.IsOperator(")"))
                        {
                            break;
                        }

                        items.Add(ParseExpression());
                    }

                    Expect(JinjaTokenKind.Operator, ")");
                    return new ListExpression(token, items);
                }

                Expect(JinjaTokenKind.Operator, ")");
                return first;
            case JinjaTokenKind.Operator when token.Value == "[":
                var list = new List<JinjaExpression>();
                while (!Current.IsOperator("]"))
                {
                    list.Add(ParseExpression());
                    if (!Current.IsOperator(","))
                    {
                        break;
                    }

                    index++;
                }

                Expect(JinjaTokenKind.Operator, "]");
                return new ListExpression(token, list);
            case JinjaTokenKind.Operator when token.Value == "{":
                var entries = new List<(JinjaExpression, JinjaExpression)>();
                while (!Current.IsOperator("}"))
                {
                    var key = ParseExpression();
                    Expect(JinjaTokenKind.Operator, ":");
                    entries.Add((key, ParseExpression()));
                    if (!Current.IsOperator(","))
                    {
                        break;
                    }

                    index++;
                }

                Expect(JinjaTokenKind.Operator, "}");
                return new DictExpression(token, entries);
            default:
                throw Error(token, token.Kind == JinjaTokenKind.End ? "the template ended inside an expression." : $"unexpected '{token.Value}' in an expression.");
        }
    }

    private string ExpectName()
    {
        var token = Current;
        if (token.Kind != JinjaTokenKind.Name)
        {
            throw Error(token, $"expected a name, found '{token.Value}'.");
        }

        index++;
        return token.Value;
    }

    private void Expect(JinjaTokenKind kind, string value)
    {
        var token = Current;
        if (token.Kind != kind || token.Value != value)
        {
            throw Error(token, token.Kind == JinjaTokenKind.End ? $"the template ended where '{value}' was expected." : $"expected '{value}', found '{token.Value}'.");
        }

        index++;
    }

    private JinjaTemplateException Error(JinjaToken at, string message) => new(source, at.Line, at.Column, message);
}
