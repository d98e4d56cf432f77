using System.Text.Json;
using TuneOperator.Data.Tokenization;
using Xunit;

namespace TuneOperator.Data.Tests.Tokenization;

public sealed class TokenizerBuilderTests
{
    /// <summary>The settings the committed built-tokenizer/ files were written with.</summary>
    private static readonly TokenizerBuilder CommittedBuilder = new() { VocabularySize = 400 };

    private static string BuiltDirectory => Path.Combine(TokenizerTestFiles.TestDirectory, "built-tokenizer");

    private static string[] Corpus() => File.ReadAllLines(Path.Combine(TokenizerTestFiles.TestDirectory, "builder-corpus.txt"));

    [Fact]
    public void Building_is_deterministic_and_matches_the_committed_files()
    {
        var files = CommittedBuilder.Build(Corpus());
        if (Environment.GetEnvironmentVariable("TUNE_REGENERATE_BUILT_TOKENIZER") == "1")
        {
            files.Save(BuiltDirectory);
        }

        Assert.Equal(files, CommittedBuilder.Build(Corpus()));
        Assert.Equal(File.ReadAllText(Path.Combine(BuiltDirectory, "tokenizer.json")), files.TokenizerJson);
        Assert.Equal(File.ReadAllText(Path.Combine(BuiltDirectory, "tokenizer_config.json")), files.TokenizerConfigJson);
    }

    [Fact]
    public void Built_tokenizer_has_the_requested_vocabulary_and_special_tokens()
    {
        var tokenizer = CommittedBuilder.Build(Corpus()).Load();

        Assert.Equal(400, tokenizer.VocabularySize);
        Assert.Equal(0, tokenizer.BosTokenId);
        Assert.Equal(1, tokenizer.EosTokenId);
        Assert.Equal(2, tokenizer.PadTokenId);
        Assert.Equal("<|assistant|>", tokenizer.IdToToken(5));
        Assert.Equal([0, 4], tokenizer.Encode("<|bos|><|user|>"));
        Assert.Contains("<|end|>", tokenizer.SpecialTokens);
    }

    [Fact]
    public void Frequent_words_become_single_tokens()
    {
        var tokenizer = CommittedBuilder.Build(Corpus()).Load();

        var ids = tokenizer.Encode(" the");
        Assert.Single(ids);
        Assert.Equal("Ġthe", tokenizer.IdToToken(ids[0]));
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData("  spaces   and\ttabs\n\nnewlines ")]
    [InlineData("Unseen words: zyzzyva, quixotic, 🦙 and 日本語.")]
    [InlineData("<|user|>\nhi<|end|>\n")]
    public void Built_tokenizer_round_trips_any_text(string text)
    {
        var tokenizer = CommittedBuilder.Build(Corpus()).Load();

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Built_tokenizer_encodes_like_the_reference()
    {
        // reference.mjs loads built-tokenizer/ with @lenml/tokenizers and encodes the shared reference texts.
        var tokenizer = HuggingFaceTokenizer.Load(BuiltDirectory);
        var reference = TokenizerTestFiles.Reference("built");

        foreach (var expected in reference.GetProperty("encodings").EnumerateArray())
        {
            var text = expected.GetProperty("text").GetString()!;
            Assert.Equal(Ids(expected, "ids"), tokenizer.Encode(text));
            Assert.Equal(Ids(expected, "idsWithSpecialTokens"), tokenizer.Encode(text, addSpecialTokens: true));
            Assert.Equal(expected.GetProperty("decoded").GetString(), tokenizer.Decode(Ids(expected, "ids")));
            Assert.Equal(expected.GetProperty("decodedSkippingSpecial").GetString(), tokenizer.Decode(Ids(expected, "ids"), skipSpecialTokens: true));
        }
    }

    [Fact]
    public void Built_chat_template_renders_like_the_references()
    {
        var tokenizer = HuggingFaceTokenizer.Load(BuiltDirectory);
        var conversation = TokenizerTestFiles.Conversation();

        foreach (var (key, addGenerationPrompt) in new[] { ("withoutGenerationPrompt", false), ("withGenerationPrompt", true) })
        {
            var rendered = tokenizer.ApplyChatTemplate(conversation, addGenerationPrompt);
            Assert.Equal(TokenizerTestFiles.Jinja2Chat("built").GetProperty(key).GetString(), rendered);
            Assert.Equal(TokenizerTestFiles.Reference("built").GetProperty("chat").GetProperty(key).GetString(), rendered);
        }

        Assert.Equal(
            "<|bos|><|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nWhat is 12 + 30?<|end|>\n<|assistant|>\n12 + 30 = 42.<|end|>\n<|assistant|>\n",
            tokenizer.ApplyChatTemplate(conversation, addGenerationPrompt: true));
    }

    [Fact]
    public void Too_small_a_vocabulary_is_rejected_with_the_minimum()
    {
        var error = Assert.Throws<ArgumentException>(() => new TokenizerBuilder { VocabularySize = 100 }.Build(Corpus()));

        Assert.Contains("at least 264", error.Message, StringComparison.Ordinal);
    }

    private static int[] Ids(JsonElement element, string name) => [.. element.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
}
