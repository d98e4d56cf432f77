using System.Text.Json;

namespace TuneOperator.Data.Tokenization;

/// <summary>A tokenizer.json post-processor: adds the special tokens of a single sequence (e.g. BOS).</summary>
internal abstract class PostProcessor
{
    public abstract List<string> Process(List<string> tokens, bool addSpecialTokens);

    public static PostProcessor? Create(JsonConfig config)
    {
        if (config.Element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return config.Type switch
        {
            "TemplateProcessing" => TemplatePostProcessor.FromConfig(config),
            "ByteLevel" => new PassThroughPostProcessor(),
            "Sequence" => new SequencePostProcessor([.. config.Items("processors").Select(Create).OfType<PostProcessor>()]),
            "BertProcessing" or "RobertaProcessing" => new TemplatePostProcessor([FirstToken(config.Child("cls")), null, FirstToken(config.Child("sep"))]),
            _ => throw config.Unsupported("post-processor", "TemplateProcessing, ByteLevel, Sequence, BertProcessing, RobertaProcessing"),
        };
    }

    private static string FirstToken(JsonConfig pair) =>
        pair.Element.ValueKind == JsonValueKind.Array && pair.Element.GetArrayLength() == 2 && pair.Element[0].ValueKind == JsonValueKind.String
            ? pair.Element[0].GetString()!
            : throw pair.Error("expected a [token, id] pair.");
}

internal sealed class PassThroughPostProcessor : PostProcessor
{
    public override List<string> Process(List<string> tokens, bool addSpecialTokens) => tokens;
}

internal sealed class SequencePostProcessor(IReadOnlyList<PostProcessor> processors) : PostProcessor
{
    public override List<string> Process(List<string> tokens, bool addSpecialTokens)
    {
        foreach (var processor in processors)
        {
            tokens = processor.Process(tokens, addSpecialTokens);
        }

        return tokens;
    }
}

/// <summary>TemplateProcessing for a single sequence: special tokens (null stands for the sequence $A) in order.</summary>
internal sealed class TemplatePostProcessor(IReadOnlyList<string?> single) : PostProcessor
{
    public static TemplatePostProcessor FromConfig(JsonConfig config)
    {
        var single = new List<string?>();
        foreach (var item in config.Items("single"))
        {
            if (item.Has("SpecialToken"))
            {
                var special = item.Child("SpecialToken").RequireString("id");
                single.AddRange(ExpandSpecialToken(config, special));
            }
            else if (item.Has("Sequence"))
            {
                var sequence = item.Child("Sequence").RequireString("id");
                if (sequence != "A")
                {
                    throw item.Error($"a single-sequence template can only contain the sequence A, not {sequence}.");
                }

                single.Add(null);
            }
            else
            {
                throw item.Error("a template item must be {\"SpecialToken\": ...} or {\"Sequence\": ...}.");
            }
        }

        return new TemplatePostProcessor(single);
    }

    public override List<string> Process(List<string> tokens, bool addSpecialTokens)
    {
        var output = new List<string>(tokens.Count + single.Count);
        foreach (var item in single)
        {
            if (item is null)
            {
                output.AddRange(tokens);
            }
            else if (addSpecialTokens)
            {
                output.Add(item);
            }
        }

        return output;
    }

    private static IEnumerable<string> ExpandSpecialToken(JsonConfig config, string name)
    {
        // The special_tokens map may expand one template name into several tokens.
        if (config.Has("special_tokens") && config.Child("special_tokens").Has(name))
        {
            var entry = config.Child("special_tokens").Child(name);
            if (entry.Has("tokens"))
            {
                return entry.Items("tokens").Select(t => t.Element.GetString() ?? throw t.Error("expected a token string.")).ToList();
            }
        }

        return [name];
    }
}
