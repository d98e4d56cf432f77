using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace TuneOperator.Testing.Kube;

/// <summary>Converts YAML documents (manifests, apply patches) to JSON, inferring types of plain scalars as YAML 1.2 core does.</summary>
public static class YamlJson
{
    /// <summary>Parses every document of a YAML stream; empty documents are skipped.</summary>
    /// <param name="yaml">The YAML text (JSON is YAML too).</param>
    public static IReadOnlyList<JsonNode> ParseDocuments(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw KubeApiException.BadRequest($"error converting YAML to JSON: {e.Message}");
        }

        var documents = new List<JsonNode>();
        foreach (var document in stream.Documents)
        {
            if (Convert(document.RootNode) is { } node)
            {
                documents.Add(node);
            }
        }

        return documents;
    }

    private static JsonNode? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                {
                    var obj = new JsonObject();
                    foreach (var (key, value) in mapping.Children)
                    {
                        obj[((YamlScalarNode)key).Value ?? ""] = Convert(value);
                    }

                    return obj;
                }

            case YamlSequenceNode sequence:
                {
                    var array = new JsonArray();
                    foreach (var item in sequence.Children)
                    {
                        array.Add(Convert(item));
                    }

                    return array;
                }

            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                return null;
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if ((char.IsDigit(text[0]) || text[0] is '-' or '+' or '.') && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && !double.IsInfinity(number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }
}
