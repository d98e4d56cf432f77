using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TuneOperator.Data.Tokenization;

/// <summary>
/// Trains a small byte-level BPE tokenizer (GPT-2 style pre-tokenization, 256 byte symbols, merges by pair frequency)
/// with special tokens and a simple chat template, and writes it as Hugging Face tokenizer.json and
/// tokenizer_config.json. Training is deterministic: ties between equally frequent pairs go to the ordinally smaller pair.
/// </summary>
public sealed class TokenizerBuilder
{
    /// <summary>The beginning-of-sequence token.</summary>
    public const string BosToken = "<|bos|>";

    /// <summary>The end-of-sequence token.</summary>
    public const string EosToken = "<|eos|>";

    /// <summary>The padding token.</summary>
    public const string PadToken = "<|pad|>";

    /// <summary>The token that ends every chat message.</summary>
    public const string EndOfMessageToken = "<|end|>";

    /// <summary>
    /// The default chat template: BOS, then each message as &lt;|role|&gt;, a newline, the trimmed content and &lt;|end|&gt;
    /// followed by a newline; with add_generation_prompt, an open assistant turn.
    /// </summary>
    public const string DefaultChatTemplate =
        "{{ bos_token }}{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] | trim + '<|end|>\\n' }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

    /// <summary>The special tokens every built tokenizer has, with ids 0, 1, 2, ... in this order.</summary>
    public static IReadOnlyList<string> DefaultSpecialTokens { get; } =
        [BosToken, EosToken, PadToken, "<|system|>", "<|user|>", "<|assistant|>", "<|tool|>", EndOfMessageToken];

    /// <summary>The total vocabulary size: special tokens, the 256 byte symbols and the learned merges.</summary>
    public int VocabularySize { get; init; } = 512;

    /// <summary>A pair must occur at least this often in the corpus to be merged.</summary>
    public int MinimumPairFrequency { get; init; } = 2;

    /// <summary>Extra special tokens appended after <see cref="DefaultSpecialTokens"/>.</summary>
    public IReadOnlyList<string> AdditionalSpecialTokens { get; init; } = [];

    /// <summary>The Jinja chat template written to tokenizer_config.json.</summary>
    public string ChatTemplate { get; init; } = DefaultChatTemplate;

    /// <summary>The model_max_length written to tokenizer_config.json.</summary>
    public int ModelMaxLength { get; init; } = 2048;

    /// <summary>Trains on the corpus and returns the tokenizer files.</summary>
    /// <exception cref="ArgumentException">The vocabulary size cannot hold the special tokens and the 256 byte symbols.</exception>
    public TokenizerFiles Build(IEnumerable<string> corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var specials = DefaultSpecialTokens.Concat(AdditionalSpecialTokens).Distinct(StringComparer.Ordinal).ToList();
        var minimum = specials.Count + 256;
        if (VocabularySize < minimum)
        {
            throw new ArgumentException(
                $"VocabularySize {VocabularySize} is too small: {specials.Count} special tokens and 256 byte symbols need at least {minimum}.",
                nameof(corpus));
        }

        var vocabulary = new List<string>(specials);
        for (var b = 0; b < 256; b++)
        {
            vocabulary.Add(ByteLevelAlphabet.Encode((byte)b).ToString());
        }

        var merges = new BpeTrainer(vocabulary, VocabularySize, MinimumPairFrequency).Train(CountWords(corpus, specials));
        return new TokenizerFiles(WriteTokenizerJson(specials, vocabulary, merges), WriteConfigJson(specials));
    }

    private static Dictionary<string, long> CountWords(IEnumerable<string> corpus, IReadOnlyList<string> specials)
    {
        var splitter = new AddedTokenSplitter(specials.Select((s, i) => new AddedTokenEntry(i, s, true, false, false, false, false)));
        var preTokenizer = new ByteLevelPreTokenizer(addPrefixSpace: false, new System.Text.RegularExpressions.Regex(PreTokenizer.Gpt2Pattern));
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in corpus)
        {
            foreach (var (section, token) in splitter.Split(text))
            {
                if (token is not null)
                {
                    continue;
                }

                foreach (var word in preTokenizer.PreTokenize(section, 0))
                {
                    counts[word] = counts.GetValueOrDefault(word) + 1;
                }
            }
        }

        return counts;
    }

    private static string WriteTokenizerJson(IReadOnlyList<string> specials, IReadOnlyList<string> vocabulary, IReadOnlyList<(string Left, string Right)> merges)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            for (var i = 0; i < specials.Count; i++)
            {
                json.WriteStartObject();
                json.WriteNumber("id", i);
                json.WriteString("content", specials[i]);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNull("normalizer");
            WriteByteLevel(json, "pre_tokenizer", addPrefixSpace: false);
            WritePostProcessor(json);
            WriteByteLevel(json, "decoder", addPrefixSpace: true);
            json.WriteStartObject("model");
            json.WriteString("type", "BPE");
            json.WriteNull("dropout");
            json.WriteNull("unk_token");
            json.WriteNull("continuing_subword_prefix");
            json.WriteNull("end_of_word_suffix");
            json.WriteBoolean("fuse_unk", false);
            json.WriteBoolean("byte_fallback", false);
            json.WriteBoolean("ignore_merges", false);
            json.WriteStartObject("vocab");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var id = 0; id < vocabulary.Count; id++)
            {
                if (seen.Add(vocabulary[id]))
                {
                    json.WriteNumber(vocabulary[id], id);
                }
            }

            json.WriteEndObject();
            json.WriteStartArray("merges");
            foreach (var (left, right) in merges)
            {
                json.WriteStartArray();
                json.WriteStringValue(left);
                json.WriteStringValue(right);
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteByteLevel(Utf8JsonWriter json, string name, bool addPrefixSpace)
    {
        json.WriteStartObject(name);
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", addPrefixSpace);
        json.WriteBoolean("trim_offsets", true);
        json.WriteBoolean("use_regex", true);
        json.WriteEndObject();
    }

    private static void WritePostProcessor(Utf8JsonWriter json)
    {
        // With special tokens, a single sequence starts with <|bos|>; a pair is "<|bos|> A <|bos|> B".
        json.WriteStartObject("post_processor");
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        WriteTemplateItem(json, "SpecialToken", BosToken, 0);
        WriteTemplateItem(json, "Sequence", "A", 0);
        json.WriteEndArray();
        json.WriteStartArray("pair");
        WriteTemplateItem(json, "SpecialToken", BosToken, 0);
        WriteTemplateItem(json, "Sequence", "A", 0);
        WriteTemplateItem(json, "SpecialToken", BosToken, 1);
        WriteTemplateItem(json, "Sequence", "B", 1);
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        json.WriteStartObject(BosToken);
        json.WriteString("id", BosToken);
        json.WriteStartArray("ids");
        json.WriteNumberValue(0);
        json.WriteEndArray();
        json.WriteStartArray("tokens");
        json.WriteStringValue(BosToken);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteTemplateItem(Utf8JsonWriter json, string kind, string id, int typeId)
    {
        json.WriteStartObject();
        json.WriteStartObject(kind);
        json.WriteString("id", id);
        json.WriteNumber("type_id", typeId);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private string WriteConfigJson(IReadOnlyList<string> specials)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteBoolean("add_bos_token", false);
            json.WriteBoolean("add_eos_token", false);
            json.WriteString("bos_token", BosToken);
            json.WriteString("eos_token", EosToken);
            json.WriteString("pad_token", PadToken);
            json.WriteNull("unk_token");
            json.WriteStartArray("additional_special_tokens");
            foreach (var special in specials.Where(s => s is not (BosToken or EosToken or PadToken)))
            {
                json.WriteStringValue(special);
            }

            json.WriteEndArray();
            json.WriteString("chat_template", ChatTemplate);
            json.WriteBoolean("clean_up_tokenization_spaces", false);
            json.WriteNumber("model_max_length", ModelMaxLength);
            json.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
