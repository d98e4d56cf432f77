using System.Text.Json;
using TuneOperator.Data.Tokenization;
using Xunit;

namespace TuneOperator.Data.Tests.Tokenization;

/// <summary>
/// Our tokenizer against the reference implementation (@lenml/tokenizers, a fork of transformers.js) on the real
/// Llama 3, Qwen3 and Llama 2 tokenizer.json files. Expected values: reference-expected.json, written by reference.mjs.
/// </summary>
public sealed class ReferenceTokenizationTests
{
    public static TheoryData<string, int, string> Cases()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var model in new[] { "llama3", "qwen3", "llama2" })
        {
            var encodings = TokenizerTestFiles.Reference(model).GetProperty("encodings");
            for (var i = 0; i < encodings.GetArrayLength(); i++)
            {
                var text = encodings[i].GetProperty("text").GetString()!;
                data.Add(model, i, text.Length > 24 ? text[..24] : text);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encodes_like_the_reference(string model, int index, string textStart)
    {
        var expected = TokenizerTestFiles.Reference(model).GetProperty("encodings")[index];
        var text = expected.GetProperty("text").GetString()!;
        Assert.StartsWith(textStart, text, StringComparison.Ordinal);
        var tokenizer = TokenizerTestFiles.Tokenizer(model);

        Assert.Equal(Ids(expected, "ids"), tokenizer.Encode(text));
        Assert.Equal(Ids(expected, "idsWithSpecialTokens"), tokenizer.Encode(text, addSpecialTokens: true));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decodes_like_the_reference(string model, int index, string textStart)
    {
        var expected = TokenizerTestFiles.Reference(model).GetProperty("encodings")[index];
        Assert.StartsWith(textStart, expected.GetProperty("text").GetString()!, StringComparison.Ordinal);
        var tokenizer = TokenizerTestFiles.Tokenizer(model);
        var ids = Ids(expected, "ids");

        Assert.Equal(expected.GetProperty("decoded").GetString(), tokenizer.Decode(ids));
        Assert.Equal(expected.GetProperty("decodedSkippingSpecial").GetString(), tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    private static int[] Ids(JsonElement element, string name) => [.. element.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
}
