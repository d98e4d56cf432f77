using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>One <c>x-kubernetes-validations</c> entry, parsed.</summary>
internal sealed record CelRule(
    string Rule,
    CelExpression? Expression,
    string? ParseError,
    string? Message,
    CelExpression? MessageExpression,
    string? MessageExpressionError,
    string? FieldPath,
    string? Reason,
    bool OptionalOldSelf)
{
    /// <summary>True when the rule refers to <c>oldSelf</c>: it is then only evaluated on update (unless
    /// <see cref="OptionalOldSelf"/>).</summary>
    public bool IsTransition { get; } = Expression is not null && CelAstWalker.References(Expression.Root, "oldSelf");

    public static CelRule From(JsonNode? entry)
    {
        string? Text(string name) => entry?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var rule = Text("rule") ?? "";
        CelExpression? expression = null;
        string? parseError = null;
        try
        {
            expression = CelExpression.Parse(rule);
        }
        catch (CelParseException ex)
        {
            parseError = ex.Message;
        }

        CelExpression? messageExpression = null;
        string? messageExpressionError = null;
        if (Text("messageExpression") is { } messageText)
        {
            try
            {
                messageExpression = CelExpression.Parse(messageText);
            }
            catch (CelParseException ex)
            {
                messageExpressionError = ex.Message;
            }
        }

        var optional = entry?["optionalOldSelf"] is JsonValue o && o.TryGetValue<bool>(out var b) && b;
        return new CelRule(rule, expression, parseError, Text("message"), messageExpression, messageExpressionError,
            Text("fieldPath"), Text("reason"), optional);
    }
}

/// <summary>The parsed rules of each schema node, parsed once.</summary>
internal sealed class CelRuleSet
{
    private readonly Dictionary<JsonObject, IReadOnlyList<CelRule>> cache = new(ReferenceEqualityComparer.Instance);
    private readonly Lock gate = new();

    public IReadOnlyList<CelRule> For(JsonObject schema)
    {
        lock (gate)
        {
            if (!cache.TryGetValue(schema, out var rules))
            {
                rules = schema["x-kubernetes-validations"] is JsonArray entries ? [.. entries.Select(CelRule.From)] : [];
                cache[schema] = rules;
            }

            return rules;
        }
    }
}

/// <summary>Small queries over CEL syntax trees.</summary>
internal static class CelAstWalker
{
    /// <summary>All nodes of the tree, depth first.</summary>
    public static IEnumerable<CelExpr> Nodes(CelExpr expr)
    {
        yield return expr;
        var children = expr switch
        {
            CelSelect s => [s.Operand],
            CelHas h => [h.Select],
            CelUnary u => [u.Operand],
            CelBinary b => [b.Left, b.Right],
            CelConditional c => [c.Condition, c.Then, c.Otherwise],
            CelIndex i => [i.Operand, i.Index],
            CelCall c => c.Target is null ? c.Args : [c.Target, .. c.Args],
            CelListLiteral l => l.Elements,
            CelMapLiteral m => [.. m.Entries.SelectMany(e => new[] { e.Key, e.Value })],
            CelComprehension c => new[] { c.Range, c.Predicate, c.Transform }.OfType<CelExpr>().ToList(),
            _ => (IReadOnlyList<CelExpr>)[],
        };
        foreach (var child in children)
        {
            foreach (var node in Nodes(child))
            {
                yield return node;
            }
        }
    }

    public static bool References(CelExpr expr, string variable) =>
        Nodes(expr).Any(n => n is CelIdent i && i.Name == variable);
}
