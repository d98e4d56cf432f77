using System.Text.Json;

namespace TuneOperator.Data.Tokenization;

/// <summary>
/// A tokenizer loaded from Hugging Face's tokenizer.json (and tokenizer_config.json): added tokens are split out first,
/// the rest goes through the normalizer, the pre-tokenizer and the BPE model; the post-processor adds special tokens.
/// Decoding runs the decoder chain. Results match the reference implementation (transformers.js) token for token.
/// </summary>
public sealed class HuggingFaceTokenizer : ITextTokenizer
{
    /// <summary>The file name of the tokenizer definition.</summary>
    public const string TokenizerFileName = "tokenizer.json";

    /// <summary>The file name of the tokenizer configuration (special token names, chat template).</summary>
    public const string ConfigFileName = "tokenizer_config.json";

    private readonly TextNormalizer? normalizer;
    private readonly PreTokenizer? preTokenizer;
    private readonly BpeModel model;
    private readonly PostProcessor? postProcessor;
    private readonly TokenDecoder? decoder;
    private readonly Dictionary<string, int> tokensToIds;
    private readonly string?[] idsToTokens;
    private readonly Dictionary<string, AddedTokenEntry> addedTokens;
    private readonly AddedTokenSplitter splitter;
    private readonly AddedTokenSplitter normalizedSplitter;
    private readonly HashSet<string> addedTokenContents;
    private readonly HashSet<string> specialTokens;
    private readonly bool cleanUpTokenizationSpaces;
    private readonly string? configFile;
    private JinjaTemplate? compiledChatTemplate;

    private HuggingFaceTokenizer(JsonConfig tokenizer, JsonConfig? config, string? chatTemplate)
    {
        configFile = config?.File;
        tokensToIds = new Dictionary<string, int>(StringComparer.Ordinal);
        normalizer = tokenizer.Has("normalizer") ? TextNormalizer.Create(tokenizer.Child("normalizer")) : null;
        preTokenizer = tokenizer.Has("pre_tokenizer") ? PreTokenizer.Create(tokenizer.Child("pre_tokenizer")) : null;
        model = BpeModel.Create(tokenizer.Child("model"), tokensToIds);
        postProcessor = tokenizer.Has("post_processor") ? PostProcessor.Create(tokenizer.Child("post_processor")) : null;
        decoder = tokenizer.Has("decoder") ? TokenDecoder.Create(tokenizer.Child("decoder")) : null;

        addedTokens = new Dictionary<string, AddedTokenEntry>(StringComparer.Ordinal);
        specialTokens = new HashSet<string>(StringComparer.Ordinal);
        if (tokenizer.Has("added_tokens"))
        {
            foreach (var item in tokenizer.Items("added_tokens"))
            {
                var entry = new AddedTokenEntry(
                    item.GetInt("id", -1) is var id and >= 0 ? id : throw item.Error("an added token needs a non-negative \"id\"."),
                    item.RequireString("content"),
                    item.GetBool("special", false),
                    item.GetBool("single_word", false),
                    item.GetBool("lstrip", false),
                    item.GetBool("rstrip", false),
                    item.GetBool("normalized", false));
                addedTokens[entry.Content] = entry;
                tokensToIds[entry.Content] = entry.Id;
                if (entry.Special)
                {
                    specialTokens.Add(entry.Content);
                }
            }
        }

        addedTokenContents = [.. addedTokens.Keys];
        splitter = new AddedTokenSplitter(addedTokens.Values);
        normalizedSplitter = new AddedTokenSplitter(addedTokens.Values.Where(t => t.Normalized));

        var size = tokensToIds.Count == 0 ? 0 : tokensToIds.Values.Max() + 1;
        idsToTokens = new string?[size];
        foreach (var (token, id) in model.Vocabulary)
        {
            idsToTokens[id] = token;
        }

        foreach (var entry in addedTokens.Values)
        {
            idsToTokens[entry.Id] = entry.Content;
        }

        BosToken = TokenName(config, "bos_token");
        EosToken = TokenName(config, "eos_token");
        PadToken = TokenName(config, "pad_token") ?? EosToken;
        UnknownToken = TokenName(config, "unk_token") ?? model.UnknownToken;
        AddBosToken = config?.GetBool("add_bos_token", false) ?? false;
        AddEosToken = config?.GetBool("add_eos_token", false) ?? false;
        cleanUpTokenizationSpaces = config?.GetBool("clean_up_tokenization_spaces", true) ?? true;
        if (config is { } settings && settings.Has("additional_special_tokens"))
        {
            foreach (var item in settings.Items("additional_special_tokens"))
            {
                var name = item.Element.ValueKind == JsonValueKind.String ? item.Element.GetString() : new JsonConfig(item.Element, item.File, item.Path).GetString("content");
                if (name is not null)
                {
                    specialTokens.Add(name);
                }
            }
        }

        ChatTemplate = chatTemplate ?? ReadChatTemplate(config);
    }

    /// <inheritdoc/>
    public int VocabularySize => idsToTokens.Length;

    /// <inheritdoc/>
    public int? BosTokenId => TokenToId(BosToken);

    /// <inheritdoc/>
    public int? EosTokenId => TokenToId(EosToken);

    /// <inheritdoc/>
    public int? PadTokenId => TokenToId(PadToken);

    /// <summary>The beginning-of-sequence token (tokenizer_config.json bos_token).</summary>
    public string? BosToken { get; }

    /// <summary>The end-of-sequence token (tokenizer_config.json eos_token).</summary>
    public string? EosToken { get; }

    /// <summary>The padding token (tokenizer_config.json pad_token, else the end-of-sequence token).</summary>
    public string? PadToken { get; }

    /// <summary>The unknown token, if the tokenizer has one.</summary>
    public string? UnknownToken { get; }

    /// <summary>tokenizer_config.json add_bos_token; used when tokenizer.json has no post-processor.</summary>
    public bool AddBosToken { get; }

    /// <summary>tokenizer_config.json add_eos_token; used when tokenizer.json has no post-processor.</summary>
    public bool AddEosToken { get; }

    /// <summary>The Jinja chat template, or null when the model ships none.</summary>
    public string? ChatTemplate { get; }

    /// <summary>The tokens that count as special (skipped by <see cref="Decode"/> when asked).</summary>
    public IReadOnlySet<string> SpecialTokens => specialTokens;

    /// <summary>
    /// Loads tokenizer.json and, if present, tokenizer_config.json from a directory.
    /// <paramref name="chatTemplate"/> replaces the configured chat template (for models that ship none).
    /// </summary>
    public static HuggingFaceTokenizer Load(string directory, string? chatTemplate = null)
    {
        var tokenizerPath = Path.Combine(directory, TokenizerFileName);
        if (!File.Exists(tokenizerPath))
        {
            throw new TokenizerFormatException($"{tokenizerPath}: the file does not exist; a model directory needs a Hugging Face {TokenizerFileName}.");
        }

        var configPath = Path.Combine(directory, ConfigFileName);
        return FromFiles(tokenizerPath, File.Exists(configPath) ? configPath : null, chatTemplate);
    }

    /// <summary>Loads a tokenizer from a tokenizer.json file and an optional tokenizer_config.json file.</summary>
    public static HuggingFaceTokenizer FromFiles(string tokenizerPath, string? configPath, string? chatTemplate = null) =>
        FromJson(
            File.ReadAllBytes(tokenizerPath),
            configPath is null ? null : File.ReadAllBytes(configPath),
            chatTemplate,
            tokenizerPath,
            configPath ?? ConfigFileName);

    /// <summary>Loads a tokenizer from the UTF-8 JSON of tokenizer.json and tokenizer_config.json.</summary>
    public static HuggingFaceTokenizer FromJson(
        ReadOnlyMemory<byte> tokenizerJson,
        ReadOnlyMemory<byte>? configJson,
        string? chatTemplate = null,
        string tokenizerSource = TokenizerFileName,
        string configSource = ConfigFileName)
    {
        using var tokenizerDocument = Parse(tokenizerJson, tokenizerSource);
        using var configDocument = configJson is { } config ? Parse(config, configSource) : null;
        var root = new JsonConfig(tokenizerDocument.RootElement, tokenizerSource, "$");
        if (root.Element.ValueKind != JsonValueKind.Object)
        {
            throw root.Error("the file must hold a JSON object.");
        }

        JsonConfig? settings = configDocument is null ? null : new JsonConfig(configDocument.RootElement, configSource, "$");
        return new HuggingFaceTokenizer(root, settings, chatTemplate);
    }

    /// <summary>Splits text into tokens (vocabulary pieces).</summary>
    public IReadOnlyList<string> Tokenize(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var sections = splitter.Split(text);
        var texts = sections.Select(s => s.Text).ToArray();
        for (var i = 0; i < sections.Count; i++)
        {
            if (sections[i].Token is { } token)
            {
                if (token.LeftStrip && i > 0)
                {
                    texts[i - 1] = texts[i - 1].TrimEnd();
                }

                if (token.RightStrip && i < sections.Count - 1)
                {
                    texts[i + 1] = texts[i + 1].TrimStart();
                }
            }
        }

        for (var i = 0; i < sections.Count; i++)
        {
            var section = texts[i];
            if (section.Length == 0)
            {
                continue;
            }

            if (sections[i].Token is not null)
            {
                tokens.Add(section);
                continue;
            }

            EncodeSection(section, i, tokens);
        }

        if (postProcessor is not null)
        {
            return postProcessor.Process(tokens, addSpecialTokens);
        }

        if (addSpecialTokens)
        {
            if (AddBosToken && BosToken is not null)
            {
                tokens.Insert(0, BosToken);
            }

            if (AddEosToken && EosToken is not null)
            {
                tokens.Add(EosToken);
            }
        }

        return tokens;
    }

    /// <inheritdoc/>
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = false)
    {
        var tokens = Tokenize(text, addSpecialTokens);
        var unknownId = TokenToId(UnknownToken);
        var ids = new int[tokens.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = tokensToIds.TryGetValue(tokens[i], out var id)
                ? id
                : unknownId ?? throw new InvalidOperationException($"the token \"{tokens[i]}\" is not in the vocabulary and the tokenizer has no unknown token.");
        }

        return ids;
    }

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            var token = IdToToken(id) ?? UnknownToken;
            if (token is null || (skipSpecialTokens && specialTokens.Contains(token)))
            {
                continue;
            }

            tokens.Add(token);
        }

        var text = decoder is null ? string.Join(' ', tokens) : string.Concat(decoder.DecodeChain(tokens, addedTokenContents));
        if (decoder is not null && model.EndOfWordSuffix is { } suffix)
        {
            text = text.Replace(suffix, " ", StringComparison.Ordinal);
            if (skipSpecialTokens)
            {
                text = text.Trim();
            }
        }

        return cleanUpTokenizationSpaces ? CleanUpTokenization(text) : text;
    }

    /// <inheritdoc/>
    public string? IdToToken(int id) => id >= 0 && id < idsToTokens.Length ? idsToTokens[id] : null;

    /// <summary>The id of a token (vocabulary piece or added token), or null if it has none.</summary>
    public int? TokenToId(string? token) => token is not null && tokensToIds.TryGetValue(token, out var id) ? id : null;

    /// <inheritdoc/>
    public string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var template = compiledChatTemplate ??= CompileChatTemplate();
        var conversation = messages
            .Select(m => (object?)new Dictionary<string, object?>(StringComparer.Ordinal) { ["role"] = m.Role, ["content"] = m.Content })
            .ToList();
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = conversation,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = null,
            ["documents"] = null,
        };
        AddVariable(variables, "bos_token", BosToken);
        AddVariable(variables, "eos_token", EosToken);
        AddVariable(variables, "pad_token", PadToken);
        AddVariable(variables, "unk_token", UnknownToken);
        return template.Render(variables);
    }

    private JinjaTemplate CompileChatTemplate()
    {
        if (ChatTemplate is null)
        {
            throw new TokenizerFormatException(
                $"{configFile ?? ConfigFileName}: the tokenizer has no chat_template; add one to {ConfigFileName} or pass a template when loading the tokenizer.");
        }

        return JinjaTemplate.Parse(ChatTemplate, $"the chat template of {configFile ?? ConfigFileName}");
    }

    private static void AddVariable(Dictionary<string, object?> variables, string name, string? value)
    {
        if (value is not null)
        {
            variables[name] = value;
        }
    }

    private void EncodeSection(string section, int sectionIndex, List<string> tokens)
    {
        var text = normalizer?.Normalize(section) ?? section;
        if (text.Length == 0)
        {
            return;
        }

        foreach (var (piece, token) in normalizedSplitter.Split(text))
        {
            if (token is not null)
            {
                tokens.Add(piece);
                continue;
            }

            var words = preTokenizer?.PreTokenize(piece, sectionIndex) ?? [piece];
            model.Encode(words, tokens);
        }
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> json, string source)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 });
        }
        catch (JsonException error)
        {
            throw new TokenizerFormatException($"{source}: the file is not valid JSON ({error.Message}).", error);
        }
    }

    private static string? TokenName(JsonConfig? config, string field)
    {
        if (config is not { } settings || !settings.Has(field))
        {
            return null;
        }

        var value = settings.Element.GetProperty(field);
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object => settings.Child(field).GetString("content"),
            _ => throw settings.Error($"\"{field}\" must be a token string or an AddedToken object."),
        };
    }

    private static string? ReadChatTemplate(JsonConfig? config)
    {
        if (config is not { } settings || !settings.Has("chat_template"))
        {
            return null;
        }

        var value = settings.Element.GetProperty("chat_template");
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            // Named templates: [{"name": "default", "template": "..."}, ...]; the default one renders conversations.
            foreach (var item in settings.Items("chat_template"))
            {
                if (item.RequireString("name") == "default")
                {
                    return item.RequireString("template");
                }
            }

            throw settings.Error("chat_template lists named templates but none is called \"default\".");
        }

        throw settings.Error("chat_template must be a string or a list of {name, template} objects.");
    }

    private static string CleanUpTokenization(string text)
    {
        // The English clean-up of transformers: no space before punctuation and contractions.
        text = text.Replace(" .", ".", StringComparison.Ordinal)
            .Replace(" ?", "?", StringComparison.Ordinal)
            .Replace(" !", "!", StringComparison.Ordinal)
            .Replace(" ,", ",", StringComparison.Ordinal)
            .Replace(" ' ", "'", StringComparison.Ordinal)
            .Replace(" n't", "n't", StringComparison.Ordinal)
            .Replace(" 'm", "'m", StringComparison.Ordinal)
            .Replace(" 's", "'s", StringComparison.Ordinal)
            .Replace(" 've", "'ve", StringComparison.Ordinal)
            .Replace(" 're", "'re", StringComparison.Ordinal);
        return text;
    }
}
