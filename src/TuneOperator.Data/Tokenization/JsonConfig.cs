using System.Text.Json;

namespace TuneOperator.Data.Tokenization;

/// <summary>Reads fields of tokenizer.json components and reports problems with the file and JSON path.</summary>
internal readonly record struct JsonConfig(JsonElement Element, string File, string Path)
{
    public TokenizerFormatException Error(string message) => new($"{File}: {Path}: {message}");

    public string Type => GetString("type") ?? throw Error("the component has no \"type\" field.");

    public bool Has(string name) =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public JsonConfig Child(string name)
    {
        if (Element.ValueKind != JsonValueKind.Object || !Element.TryGetProperty(name, out var value))
        {
            throw Error($"the field \"{name}\" is missing.");
        }

        return new JsonConfig(value, File, $"{Path}.{name}");
    }

    public IEnumerable<JsonConfig> Items(string name)
    {
        var child = Child(name);
        if (child.Element.ValueKind != JsonValueKind.Array)
        {
            throw child.Error("expected an array.");
        }

        var index = 0;
        foreach (var item in child.Element.EnumerateArray())
        {
            yield return new JsonConfig(item, File, $"{child.Path}[{index++}]");
        }
    }

    public string? GetString(string name)
    {
        if (!Has(name))
        {
            return null;
        }

        var value = Element.GetProperty(name);
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Error($"the field \"{name}\" must be a string.");
    }

    public string RequireString(string name) => GetString(name) ?? throw Error($"the string field \"{name}\" is missing.");

    public bool GetBool(string name, bool fallback)
    {
        if (!Has(name))
        {
            return fallback;
        }

        var value = Element.GetProperty(name);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"the field \"{name}\" must be true or false."),
        };
    }

    public int GetInt(string name, int fallback)
    {
        if (!Has(name))
        {
            return fallback;
        }

        var value = Element.GetProperty(name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw Error($"the field \"{name}\" must be an integer.");
    }

    public TokenizerFormatException Unsupported(string kind, string supported) =>
        Error($"the {kind} type \"{Type}\" is not supported (supported: {supported}).");
}
