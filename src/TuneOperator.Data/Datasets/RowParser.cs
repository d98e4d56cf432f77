using System.Text.Json;
using TuneOperator.Data.Tokenization;

namespace TuneOperator.Data.Datasets;

/// <summary>
/// Parses JSONL lines of one format into <see cref="DataRow"/>s, trimming text when asked. A line that is not a JSON
/// object, lacks a required field, has a field of the wrong type, an unknown role or an unknown label is malformed; the
/// message names the field and what was expected.
/// </summary>
/// <param name="format">The rows' format.</param>
/// <param name="fields">The accepted property names.</param>
/// <param name="labels">The label list of the classification format.</param>
/// <param name="trim">Trim leading and trailing whitespace of every text field.</param>
public sealed class RowParser(DatasetFormat format, FieldNames fields, IReadOnlyList<string> labels, bool trim)
{
    private static readonly Dictionary<string, string> RoleAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["system"] = "system",
        ["user"] = "user",
        ["human"] = "user",
        ["assistant"] = "assistant",
        ["gpt"] = "assistant",
        ["model"] = "assistant",
        ["tool"] = "tool",
    };

    /// <summary>Parses one line.</summary>
    public RowParseResult Parse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return RowParseResult.Dropped(DropReason.Empty, "blank line");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            return RowParseResult.Dropped(DropReason.Malformed, "invalid JSON: " + ex.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return RowParseResult.Dropped(DropReason.Malformed, $"a row must be a JSON object, found {Describe(root.ValueKind)}");
            }

            try
            {
                return RowParseResult.Parsed(format switch
                {
                    DatasetFormat.Instruction => new InstructionRow(
                        RequiredString(root, fields.Instruction, string.Empty),
                        OptionalString(root, fields.Input, string.Empty),
                        RequiredString(root, fields.Output, string.Empty)),
                    DatasetFormat.Chat => new ChatRow(Messages(root)),
                    DatasetFormat.Completion => new CompletionRow(RequiredString(root, fields.Text, string.Empty)),
                    DatasetFormat.Classification => new ClassificationRow(RequiredString(root, fields.Text, string.Empty), Label(root)),
                    _ => throw new InvalidOperationException($"unknown dataset format {format}"),
                });
            }
            catch (MalformedRowException ex)
            {
                return RowParseResult.Dropped(DropReason.Malformed, ex.Message);
            }
        }
    }

    private IReadOnlyList<ChatMessage> Messages(JsonElement root)
    {
        var (name, list) = Find(root, fields.Messages) ?? throw Missing(fields.Messages, string.Empty);
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new MalformedRowException($"field '{name}' must be an array of messages, found {Describe(list.ValueKind)}");
        }

        var messages = new List<ChatMessage>(list.GetArrayLength());
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var path = $"{name}[{index}].";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedRowException($"{name}[{index}] must be an object with role and content, found {Describe(item.ValueKind)}");
            }

            var role = RequiredString(item, fields.Role, path);
            if (!RoleAliases.TryGetValue(role, out var normalized))
            {
                throw new MalformedRowException($"{path}{fields.Role[0]} '{role}' is unknown: use system, user, assistant or tool");
            }

            messages.Add(new ChatMessage(normalized, OptionalString(item, fields.Content, path) ?? string.Empty));
            index++;
        }

        return messages;
    }

    private int Label(JsonElement root)
    {
        var (name, value) = Find(root, fields.Label) ?? throw Missing(fields.Label, string.Empty);
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!;
                var key = trim ? text.Trim() : text;
                for (var i = 0; i < labels.Count; i++)
                {
                    if (string.Equals(labels[i], key, StringComparison.Ordinal))
                    {
                        return i;
                    }
                }

                throw new MalformedRowException($"field '{name}' value '{text}' is not a known label: use one of [{string.Join(", ", labels)}] or its index");
            case JsonValueKind.Number:
                if (value.TryGetInt32(out var index) && index >= 0 && index < labels.Count)
                {
                    return index;
                }

                throw new MalformedRowException($"field '{name}' index {value.GetRawText()} is outside the label list: use an integer from 0 to {labels.Count - 1}");
            default:
                throw new MalformedRowException($"field '{name}' must be a label name or index, found {Describe(value.ValueKind)}");
        }
    }

    private string RequiredString(JsonElement element, IReadOnlyList<string> names, string path) =>
        ReadString(element, names, path, required: true)!;

    private string? OptionalString(JsonElement element, IReadOnlyList<string> names, string path) =>
        ReadString(element, names, path, required: false);

    private string? ReadString(JsonElement element, IReadOnlyList<string> names, string path, bool required)
    {
        if (Find(element, names) is not { } found)
        {
            return required ? throw Missing(names, path) : null;
        }

        return found.Value.ValueKind switch
        {
            JsonValueKind.String => trim ? found.Value.GetString()!.Trim() : found.Value.GetString()!,
            JsonValueKind.Null when !required => null,
            JsonValueKind.Null => throw new MalformedRowException($"field '{path}{found.Name}' is null: give a string"),
            _ => throw new MalformedRowException($"field '{path}{found.Name}' must be a string, found {Describe(found.Value.ValueKind)}"),
        };
    }

    private static (string Name, JsonElement Value)? Find(JsonElement element, IReadOnlyList<string> names)
    {
        foreach (var name in names)
        {
            if (element.TryGetProperty(name, out var value))
            {
                return (name, value);
            }
        }

        return null;
    }

    private static MalformedRowException Missing(IReadOnlyList<string> names, string path) =>
        new(names.Count == 1
            ? $"field '{path}{names[0]}' is missing"
            : $"field '{path}{names[0]}' is missing (also accepted: {string.Join(", ", names.Skip(1))})");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    private sealed class MalformedRowException(string message) : Exception(message);
}
