using System.Text.Json.Nodes;
using TuneOperator.Testing.Schema;
using Xunit;

namespace TuneOperator.Api.Tests.Schema;

/// <summary>Helpers to evaluate CEL in tests.</summary>
internal static class Cel
{
    public static object? Eval(string expression, string? self = null, string? schema = null, string? oldSelf = null)
    {
        var variables = new Dictionary<string, (JsonNode?, JsonObject?)>();
        var schemaNode = schema is null ? null : JsonNode.Parse(schema)!.AsObject();
        if (self is not null)
        {
            variables["self"] = (JsonNode.Parse(self), schemaNode);
        }

        if (oldSelf is not null)
        {
            variables["oldSelf"] = (JsonNode.Parse(oldSelf), schemaNode);
        }

        return CelExpression.Parse(expression).Evaluate(variables);
    }

    public static string Error(string expression, string? self = null, string? schema = null) =>
        Assert.Throws<CelEvaluationException>(() => Eval(expression, self, schema)).Message;

    public static CelParseException ParseError(string expression) =>
        Assert.Throws<CelParseException>(() => CelExpression.Parse(expression));
}
