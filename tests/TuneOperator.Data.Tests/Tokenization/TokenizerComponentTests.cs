using System.Text;
using System.Text.Json;
using TuneOperator.Data.Tokenization;
using Xunit;

namespace TuneOperator.Data.Tests.Tokenization;

/// <summary>
/// tokenizer.json components on small hand-written files, with the results Hugging Face tokenizers documents
/// (e.g. "the-final--countdown" split on "-" with MergedWithPrevious gives "the-", "final-", "-", "countdown").
/// </summary>
public sealed class TokenizerComponentTests
{
    /// <summary>A tokenizer whose BPE vocabulary holds every single character of <paramref name="alphabet"/> and no merges.</summary>
    private static HuggingFaceTokenizer Characters(
        string alphabet,
        string normalizer = "null",
        string preTokenizer = "null",
        string addedTokens = "[]",
        string decoder = "null")
    {
        var vocab = alphabet.EnumerateRunes().Select(r => r.ToString()).Distinct().Select((c, i) => $"{JsonSerializer.Serialize(c)}: {i}");
        var json = $$"""
            {
              "added_tokens": {{addedTokens}},
              "normalizer": {{normalizer}},
              "pre_tokenizer": {{preTokenizer}},
              "post_processor": null,
              "decoder": {{decoder}},
              "model": { "type": "BPE", "vocab": { {{string.Join(", ", vocab)}} }, "merges": [] }
            }
            """;
        return HuggingFaceTokenizer.FromJson(Encoding.UTF8.GetBytes(json), null);
    }

    private static HuggingFaceTokenizer Bpe(string model, string preTokenizer = "null", string decoder = "null", string config = "null")
    {
        var json = $$"""{ "added_tokens": [], "normalizer": null, "pre_tokenizer": {{preTokenizer}}, "decoder": {{decoder}}, "model": {{model}} }""";
        return HuggingFaceTokenizer.FromJson(Encoding.UTF8.GetBytes(json), config == "null" ? null : Encoding.UTF8.GetBytes(config));
    }

    private static string Split(string behavior, bool invert = false) =>
        $$"""{ "type": "Split", "pattern": { "String": "-" }, "behavior": "{{behavior}}", "invert": {{(invert ? "true" : "false")}} }""";

    [Theory]
    [InlineData("Isolated", "the|-|final|-|-|countdown")]
    [InlineData("Removed", "the|final|countdown")]
    [InlineData("MergedWithPrevious", "the-|final-|-|countdown")]
    [InlineData("MergedWithNext", "the|-final|-|-countdown")]
    [InlineData("Contiguous", "the|-|final|--|countdown")]
    public void Split_behaviours_place_the_delimiters_like_Hugging_Face(string behavior, string expected)
    {
        var tokenizer = Characters("thefinalcoutdw-", preTokenizer: Split(behavior));

        Assert.Equal(expected, string.Join('|', PiecesOf(tokenizer, "the-final--countdown")));
    }

    [Fact]
    public void Split_with_invert_keeps_only_the_matches_when_removing()
    {
        var preTokenizer = """{ "type": "Split", "pattern": { "Regex": "\\d+" }, "behavior": "Removed", "invert": true }""";
        var tokenizer = Characters("ab0123456789", preTokenizer: preTokenizer);

        Assert.Equal("12|345", string.Join('|', PiecesOf(tokenizer, "a12b345")));
    }

    [Fact]
    public void Metaspace_replaces_spaces_prepends_and_splits_words()
    {
        var always = Characters("\u2581Helowrd", preTokenizer: """{ "type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": true }""");
        var first = Characters("\u2581ab<x>", preTokenizer: """{ "type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": false }""",
            addedTokens: """[{ "id": 100, "content": "<x>", "special": true }]""");

        Assert.Equal("\u2581Hello|\u2581world", string.Join('|', PiecesOf(always, "Hello world")));
        Assert.Equal(["\u2581", "a", "<x>", "b"], first.Tokenize("a<x>b"));
    }

    [Fact]
    public void Digits_Whitespace_and_ByteLevel_pre_tokenizers_split_as_documented()
    {
        var digits = Characters("abc123", preTokenizer: """{ "type": "Digits", "individual_digits": true }""");
        var whitespace = Characters("Helowrd,!", preTokenizer: """{ "type": "Whitespace" }""");
        var byteLevel = Characters("hierĠt", preTokenizer: """{ "type": "ByteLevel", "add_prefix_space": true, "use_regex": false }""");

        Assert.Equal("abc|1|2|3", string.Join('|', PiecesOf(digits, "abc123")));
        Assert.Equal("Hello|,|world|!", string.Join('|', PiecesOf(whitespace, "Hello, world!")));
        Assert.Equal("ĠhiĠthere", string.Concat(byteLevel.Tokenize("hi there")));
    }

    [Fact]
    public void Normalizer_sequence_applies_each_step_in_order()
    {
        const string Normalizer = """
            { "type": "Sequence", "normalizers": [
              { "type": "Strip", "strip_left": true, "strip_right": true },
              { "type": "Lowercase" },
              { "type": "Replace", "pattern": { "Regex": "\\s+" }, "content": "_" },
              { "type": "Prepend", "prepend": ">" } ] }
            """;
        var tokenizer = Characters(">_helowrd", normalizer: Normalizer);

        Assert.Equal(">hello_world", string.Concat(tokenizer.Tokenize("  HeLLo \t World  ")));
    }

    [Theory]
    [InlineData("NFC", "Cafe\u0301 \u212B e\u0302\u0323", "Caf\u00E9 \u00C5 \u1EC7")]
    [InlineData("NFD", "Caf\u00E9 \uD55C", "Cafe\u0301 \u1112\u1161\u11AB")]
    [InlineData("NFKC", "\uFB01\u2460\uFF21\u00B2 \u1112\u1161\u11AB", "fi1A2 \uD55C")]
    [InlineData("NFKD", "\uFB01\u00C5", "fiA\u030A")]
    public void Unicode_normalizers_work_without_ICU(string form, string input, string expected)
    {
        var tokenizer = Characters(expected, normalizer: $$"""{ "type": "{{form}}" }""");

        Assert.Equal(expected, string.Concat(tokenizer.Tokenize(input)));
    }

    [Fact]
    public void Both_merge_formats_give_the_same_tokens()
    {
        const string Vocab = """{ "a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "bc": 5 }""";
        var strings = Bpe($$"""{ "type": "BPE", "vocab": {{Vocab}}, "merges": ["a b", "ab c", "b c"] }""");
        var pairs = Bpe($$"""{ "type": "BPE", "vocab": {{Vocab}}, "merges": [["a", "b"], ["ab", "c"], ["b", "c"]] }""");

        Assert.Equal([4, 5], strings.Encode("abcbc"));
        Assert.Equal(strings.Encode("abcbc"), pairs.Encode("abcbc"));
    }

    [Fact]
    public void Lower_ranked_merges_win_and_ties_go_to_the_left()
    {
        var tokenizer = Bpe("""{ "type": "BPE", "vocab": { "a": 0, "aa": 1, "b": 2, "ab": 3 }, "merges": ["a b", "a a"] }""");

        Assert.Equal(["aa", "ab"], tokenizer.Tokenize("aaab"));
        Assert.Equal(["aa", "aa", "a"], tokenizer.Tokenize("aaaaa"));
    }

    [Fact]
    public void Ignore_merges_takes_whole_words_from_the_vocabulary()
    {
        const string Vocab = """{ "a": 0, "b": 1, "c": 2, "bc": 3, "abc": 4 }""";
        var ignoring = Bpe($$"""{ "type": "BPE", "vocab": {{Vocab}}, "merges": ["b c"], "ignore_merges": true }""");
        var merging = Bpe($$"""{ "type": "BPE", "vocab": {{Vocab}}, "merges": ["b c"], "ignore_merges": false }""");

        Assert.Equal(["abc"], ignoring.Tokenize("abc"));
        Assert.Equal(["a", "bc"], merging.Tokenize("abc"));
    }

    [Fact]
    public void Byte_fallback_and_fused_unknowns()
    {
        var fallback = Bpe("""{ "type": "BPE", "unk_token": "<unk>", "byte_fallback": true, "vocab": { "<unk>": 0, "a": 1, "<0xC3>": 2, "<0xA9>": 3 }, "merges": [] }""",
            decoder: """{ "type": "Sequence", "decoders": [{ "type": "ByteFallback" }, { "type": "Fuse" }] }""",
            config: """{ "clean_up_tokenization_spaces": false }""");
        var fused = Bpe("""{ "type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "vocab": { "<unk>": 0, "a": 1 }, "merges": [] }""");

        Assert.Equal([1, 2, 3, 0, 1], fallback.Encode("aéza"));
        Assert.Equal("a\u00E9<unk>a", fallback.Decode([1, 2, 3, 0, 1]));
        Assert.Equal([1, 0, 1, 0], fused.Encode("axyzaq"));
    }

    [Fact]
    public void Subword_prefix_and_word_suffix_take_part_in_merges()
    {
        var tokenizer = Bpe(
            """{ "type": "BPE", "continuing_subword_prefix": "##", "end_of_word_suffix": "</w>", "vocab": { "a": 0, "##b": 1, "##c</w>": 2, "ab": 3, "abc</w>": 4 }, "merges": ["a ##b", "ab ##c</w>"] }""",
            decoder: """{ "type": "BPEDecoder", "suffix": "</w>" }""",
            config: """{ "clean_up_tokenization_spaces": false }""");

        Assert.Equal(["abc</w>"], tokenizer.Tokenize("abc"));
        Assert.Equal("abc", tokenizer.Decode(tokenizer.Encode("abc")));
    }

    [Fact]
    public void Added_tokens_strip_whitespace_and_respect_single_word()
    {
        const string Added = """
            [ { "id": 10, "content": "<m>", "lstrip": true, "rstrip": true, "special": true },
              { "id": 11, "content": "cat", "single_word": true, "special": false } ]
            """;
        var tokenizer = Characters("abcdt ", addedTokens: Added);

        Assert.Equal(["a", "<m>", "b"], tokenizer.Tokenize("a  <m>  b"));
        Assert.Equal(["cat", " ", "c", "a", "t", "d"], tokenizer.Tokenize("cat catd"));
    }

    [Fact]
    public void Normalized_added_tokens_match_the_normalized_text()
    {
        var tokenizer = Characters("abx", normalizer: """{ "type": "Lowercase" }""",
            addedTokens: """[{ "id": 20, "content": "<tag>", "normalized": true, "special": false }]""");

        Assert.Equal(["a", "<tag>", "b"], tokenizer.Tokenize("A<TAG>B"));
    }

    [Fact]
    public void Post_processor_sequence_adds_template_tokens_only_with_special_tokens()
    {
        const string Json = """
            { "added_tokens": [{ "id": 9, "content": "<bos>", "special": true }, { "id": 8, "content": "<eos>", "special": true }],
              "post_processor": { "type": "Sequence", "processors": [
                { "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false },
                { "type": "TemplateProcessing",
                  "single": [{ "SpecialToken": { "id": "<bos>", "type_id": 0 } }, { "Sequence": { "id": "A", "type_id": 0 } }, { "SpecialToken": { "id": "<eos>", "type_id": 0 } }],
                  "pair": [], "special_tokens": {} } ] },
              "model": { "type": "BPE", "vocab": { "a": 0, "b": 1 }, "merges": [] } }
            """;
        var tokenizer = HuggingFaceTokenizer.FromJson(Encoding.UTF8.GetBytes(Json), null);

        Assert.Equal([0, 1], tokenizer.Encode("ab"));
        Assert.Equal([9, 0, 1, 8], tokenizer.Encode("ab", addSpecialTokens: true));
        // Without a decoder, tokens are joined with spaces (as in Hugging Face tokenizers).
        Assert.Equal("a b", tokenizer.Decode([9, 0, 1, 8], skipSpecialTokens: true));
    }

    [Fact]
    public void Metaspace_and_strip_decoders_restore_spaces()
    {
        var metaspace = Characters("\u2581ab", decoder: """{ "type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always" }""");
        var strip = Characters(" ab", decoder: """{ "type": "Sequence", "decoders": [{ "type": "Fuse" }, { "type": "Strip", "content": " ", "start": 1, "stop": 1 }] }""");

        Assert.Equal("a b", metaspace.Decode(metaspace.Encode("\u2581a\u2581b")));
        Assert.Equal("a b", strip.Decode(strip.Encode(" a b ")));
    }

    [Theory]
    [InlineData("""{ "model": { "type": "WordPiece", "vocab": {} } }""", "$.model: the model type \"WordPiece\" is not supported")]
    [InlineData("""{ "model": { "type": "Unigram", "vocab": [] } }""", "the model type \"Unigram\" is not supported")]
    [InlineData("""{ "normalizer": { "type": "Precompiled" }, "model": { "type": "BPE", "vocab": {}, "merges": [] } }""", "$.normalizer: the normalizer type \"Precompiled\" is not supported")]
    [InlineData("""{ "pre_tokenizer": { "type": "Sequence", "pretokenizers": [{ "type": "BertPreTokenizer" }] }, "model": { "type": "BPE", "vocab": {}, "merges": [] } }""", "$.pre_tokenizer.pretokenizers[0]: the pre-tokenizer type \"BertPreTokenizer\" is not supported")]
    [InlineData("""{ "decoder": { "type": "CTC" }, "model": { "type": "BPE", "vocab": {}, "merges": [] } }""", "$.decoder: the decoder type \"CTC\" is not supported")]
    [InlineData("""{ "model": { "type": "BPE", "vocab": { "a": 0 }, "merges": ["ab"] } }""", "$.model.merges: merge 0 (\"ab\") must be two tokens separated by a space")]
    [InlineData("""{ "model": { "type": "BPE", "vocab": {}, "merges": [] }, "pre_tokenizer": { "type": "Split", "pattern": { "Regex": "(" }, "behavior": "Isolated" } }""", "$.pre_tokenizer.pattern: the regular expression cannot be compiled")]
    [InlineData("""{ "model": """, "the file is not valid JSON")]
    public void Unsupported_or_malformed_components_name_the_file_and_the_component(string json, string message)
    {
        var error = Assert.Throws<TokenizerFormatException>(() =>
            HuggingFaceTokenizer.FromJson(Encoding.UTF8.GetBytes(json), null, tokenizerSource: "/models/x/tokenizer.json"));

        Assert.StartsWith("/models/x/tokenizer.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_without_tokenizer_json_is_reported()
    {
        var directory = Path.Combine(Path.GetTempPath(), "no-tokenizer-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<TokenizerFormatException>(() => HuggingFaceTokenizer.Load(directory));

        Assert.Contains(Path.Combine(directory, "tokenizer.json"), error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The pre-tokenized pieces, recovered by joining the single-character tokens of each word.</summary>
    private static List<string> PiecesOf(HuggingFaceTokenizer tokenizer, string text) => tokenizer.PreTokenize(text);
}
