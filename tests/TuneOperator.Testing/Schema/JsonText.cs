using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Schema;

/// <summary>Renders JSON for error messages without escaping characters such as &lt;, &gt; or non-ASCII letters.</summary>
internal static class JsonText
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Quote(string s) => JsonSerializer.Serialize(s, Relaxed);

    public static string Render(JsonNode? node) => node?.ToJsonString(Relaxed) ?? "null";
}
