using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>A parsed CEL expression that can be evaluated with variables bound to JSON values typed by their
/// OpenAPI schemas (integer fields are int, number fields double, <c>format: date-time</c> strings timestamps...).</summary>
public sealed class CelExpression
{
    private CelExpression(string text, CelExpr root)
    {
        Text = text;
        Root = root;
    }

    /// <summary>The source text.</summary>
    public string Text { get; }

    internal CelExpr Root { get; }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="CelParseException"/> on a syntax error.</summary>
    public static CelExpression Parse(string text) => new(text, CelParser.Parse(text));

    /// <summary>Evaluates the expression. Each variable is a JSON value and the schema that types it (null schema:
    /// JSON integers become int, other numbers double). Returns the result as a .NET value: <c>null</c>, bool,
    /// long (int), ulong (uint), double, string, byte[] (bytes), <see cref="TimeSpan"/> (duration),
    /// <see cref="DateTimeOffset"/> (timestamp), a type name string for types, a list of these, or a
    /// dictionary for maps. Throws <see cref="CelEvaluationException"/> when the result is a CEL error.</summary>
    public object? Evaluate(IReadOnlyDictionary<string, (JsonNode? Value, JsonObject? Schema)>? variables = null)
    {
        var bound = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, (value, schema)) in variables ?? new Dictionary<string, (JsonNode?, JsonObject?)>())
        {
            bound[name] = CelJson.ToCel(value, schema);
        }

        var result = CelInterpreter.Eval(Root, new CelScope(bound));
        return result is CelError error ? throw new CelEvaluationException(error.Message) : ToDotNet(result);
    }

    private static object? ToDotNet(object? value) => value switch
    {
        CelBytes b => b.Value,
        CelType t => t.Name,
        IReadOnlyList<object?> list => list.Select(ToDotNet).ToList(),
        CelMap map => map.Entries.ToDictionary(e => e.Key, e => ToDotNet(e.Value)),
        _ => value,
    };
}
