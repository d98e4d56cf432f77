using System.Text.Json;

namespace TuneOperator.Bench.Operator;

/// <summary>The JSON settings of the result files.</summary>
internal static class ResultJson
{
    /// <summary>Indented camelCase JSON.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
