using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TuneOperator.Data.Tokenization;

/// <summary>
/// The BPE model of tokenizer.json: merges applied by rank (lowest first, leftmost on ties), with byte fallback,
/// unknown-token fusion, ignore_merges, continuing_subword_prefix and end_of_word_suffix.
/// </summary>
internal sealed class BpeModel
{
    private const int MaxCachedWordLength = 256;
    private const int MaxCacheEntries = 100_000;

    private readonly Dictionary<string, int> tokensToIds;
    private readonly Dictionary<string, int> vocabulary;
    private readonly Dictionary<string, int> extraSymbols = new(StringComparer.Ordinal);
    private readonly List<string?> symbols = [];
    private readonly Dictionary<long, (int Rank, int Result)> merges = [];
    private const char SpaceMarker = '\u2581';

    private readonly ConcurrentDictionary<string, string[]> cache = new(StringComparer.Ordinal);
    private bool canSplitBeforeSpaceMarker;

    private BpeModel(Dictionary<string, int> tokensToIds, Dictionary<string, int> vocabulary)
    {
        this.tokensToIds = tokensToIds;
        this.vocabulary = vocabulary;
    }

    public string? UnknownToken { get; private init; }

    public bool FuseUnknown { get; private init; }

    public bool ByteFallback { get; private init; }

    public bool IgnoreMerges { get; private init; }

    public string? ContinuingSubwordPrefix { get; private init; }

    public string? EndOfWordSuffix { get; private init; }

    /// <summary>The vocabulary of the model (without added tokens).</summary>
    public IReadOnlyDictionary<string, int> Vocabulary => vocabulary;

    /// <summary>
    /// Reads the model. <paramref name="tokensToIds"/> receives the vocabulary; the tokenizer adds its added tokens to
    /// the same map, which the model then also treats as known tokens (as the reference implementation does).
    /// </summary>
    public static BpeModel Create(JsonConfig config, Dictionary<string, int> tokensToIds)
    {
        var type = config.GetString("type") ?? (config.Has("merges") ? "BPE" : "unknown");
        if (type != "BPE")
        {
            throw config.Error($"the model type \"{type}\" is not supported; only BPE models (byte-level BPE as in GPT-2, Llama 3 and Qwen, or SentencePiece-style BPE with byte_fallback as in Llama 2 and Mistral) can be loaded.");
        }

        if (config.Has("dropout") && config.Element.GetProperty("dropout").ValueKind == JsonValueKind.Number
            && config.Element.GetProperty("dropout").GetDouble() > 0)
        {
            throw config.Error("BPE dropout is a training-time option and is not supported; set \"dropout\" to null.");
        }

        var vocabulary = config.Child("vocab");
        if (vocabulary.Element.ValueKind != JsonValueKind.Object)
        {
            throw vocabulary.Error("the BPE vocabulary must be an object of token to id.");
        }

        var entries = new Dictionary<string, int>(vocabulary.Element.GetPropertyCount(), StringComparer.Ordinal);
        foreach (var entry in vocabulary.Element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
            {
                throw vocabulary.Error($"the id of \"{entry.Name}\" must be a non-negative integer.");
            }

            entries[entry.Name] = id;
        }

        foreach (var (token, id) in entries)
        {
            tokensToIds[token] = id;
        }

        var model = new BpeModel(tokensToIds, entries)
        {
            UnknownToken = config.GetString("unk_token"),
            FuseUnknown = config.GetBool("fuse_unk", false),
            ByteFallback = config.GetBool("byte_fallback", false),
            IgnoreMerges = config.GetBool("ignore_merges", false),
            ContinuingSubwordPrefix = NullIfEmpty(config.GetString("continuing_subword_prefix")),
            EndOfWordSuffix = NullIfEmpty(config.GetString("end_of_word_suffix")),
        };
        model.ReadMerges(config.Child("merges"));
        model.canSplitBeforeSpaceMarker = model.symbols.All(symbol => symbol is null || !HasMarkerAfterOtherCharacter(symbol));
        return model;
    }

    /// <summary>Encodes the words of one text section to tokens and appends them.</summary>
    public void Encode(IReadOnlyList<string> words, List<string> output)
    {
        var start = output.Count;
        foreach (var word in words)
        {
            if (word.Length == 0)
            {
                continue;
            }

            if (IgnoreMerges && tokensToIds.ContainsKey(word))
            {
                output.Add(word);
                continue;
            }

            if (word.Length > MaxCachedWordLength && canSplitBeforeSpaceMarker && ContinuingSubwordPrefix is null && EndOfWordSuffix is null)
            {
                foreach (var chunk in SplitBeforeSpaceMarkers(word))
                {
                    AppendTokens(Merge(chunk), output);
                }
            }
            else
            {
                AppendTokens(Merge(word), output);
            }
        }

        if (FuseUnknown && UnknownToken is not null)
        {
            FuseUnknownTokens(output, start);
        }
    }

    private void AppendTokens(string[] merged, List<string> output)
    {
        foreach (var token in merged)
        {
                if (tokensToIds.ContainsKey(token))
                {
                    output.Add(token);
                }
                else if (ByteFallback && TryByteFallback(token, output))
                {
                    continue;
                }
            else
            {
                output.Add(UnknownToken ?? throw new InvalidOperationException(
                    $"the piece \"{token}\" is not in the vocabulary and the BPE model has no unk_token."));
            }
        }
    }

    /// <summary>
    /// Splits a long word before each run of SentencePiece space markers. Exact when no symbol has a marker after
    /// another character (then no merge can cross such a point), which <see cref="canSplitBeforeSpaceMarker"/> checks.
    /// </summary>
    private static IEnumerable<string> SplitBeforeSpaceMarkers(string word)
    {
        var start = 0;
        for (var i = 1; i < word.Length; i++)
        {
            if (word[i] == SpaceMarker && word[i - 1] != SpaceMarker)
            {
                yield return word[start..i];
                start = i;
            }
        }

        yield return word[start..];
    }

    private bool TryByteFallback(string token, List<string> output)
    {
        var bytes = Encoding.UTF8.GetBytes(token);
        var pieces = bytes.Select(b => $"<0x{b.ToString("X2", CultureInfo.InvariantCulture)}>").ToArray();
        if (!pieces.All(tokensToIds.ContainsKey))
        {
            return false;
        }

        output.AddRange(pieces);
        return true;
    }

    private void FuseUnknownTokens(List<string> output, int start)
    {
        var unknownId = UnknownToken is not null && tokensToIds.TryGetValue(UnknownToken, out var id) ? id : -1;
        bool IsUnknown(string token) => !tokensToIds.TryGetValue(token, out var tokenId) || tokenId == unknownId;

        var write = start;
        for (var read = start; read < output.Count; read++)
        {
            if (write > start && IsUnknown(output[read]) && IsUnknown(output[write - 1]))
            {
                continue;
            }

            output[write++] = output[read];
        }

        output.RemoveRange(write, output.Count - write);
    }

    private string[] Merge(string word)
    {
        if (cache.TryGetValue(word, out var cached))
        {
            return cached;
        }

        var result = MergeUncached(word);
        if (word.Length < MaxCachedWordLength)
        {
            if (cache.Count >= MaxCacheEntries)
            {
                cache.Clear();
            }

            cache[word] = result;
        }

        return result;
    }

    private string[] MergeUncached(string word)
    {
        // Initial symbols are the word's characters (code points), with the subword prefix and word suffix applied.
        var parts = new List<string>(word.Length);
        foreach (var rune in word.EnumerateRunes())
        {
            var text = rune.ToString();
            if (parts.Count > 0 && ContinuingSubwordPrefix is not null)
            {
                text = ContinuingSubwordPrefix + text;
            }

            parts.Add(text);
        }

        if (EndOfWordSuffix is not null)
        {
            parts[^1] += EndOfWordSuffix;
        }

        var count = parts.Count;
        var ids = new int[count];
        var texts = parts.ToArray();
        var next = new int[count];
        var previous = new int[count];
        var alive = new bool[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = vocabulary.TryGetValue(texts[i], out var symbol) || extraSymbols.TryGetValue(texts[i], out symbol) ? symbol : -1;
            next[i] = i + 1 < count ? i + 1 : -1;
            previous[i] = i - 1;
            alive[i] = true;
        }

        // A queue of candidate merges ordered by rank, then by position; stale entries are skipped when popped.
        var queue = new PriorityQueue<(int Left, int LeftId, int RightId), (int Rank, int Position)>();
        void Push(int left)
        {
            var right = next[left];
            if (right < 0 || ids[left] < 0 || ids[right] < 0)
            {
                return;
            }

            if (merges.TryGetValue(Key(ids[left], ids[right]), out var merge))
            {
                queue.Enqueue((left, ids[left], ids[right]), (merge.Rank, left));
            }
        }

        for (var i = 0; i + 1 < count; i++)
        {
            Push(i);
        }

        while (queue.TryDequeue(out var candidate, out _))
        {
            var left = candidate.Left;
            var right = next[left];
            if (!alive[left] || right < 0 || ids[left] != candidate.LeftId || ids[right] != candidate.RightId)
            {
                continue;
            }

            var merged = merges[Key(ids[left], ids[right])].Result;
            ids[left] = merged;
            texts[left] = symbols[merged]!;
            alive[right] = false;
            next[left] = next[right];
            if (next[right] >= 0)
            {
                previous[next[right]] = left;
            }

            if (previous[left] >= 0)
            {
                Push(previous[left]);
            }

            Push(left);
        }

        var result = new List<string>(count);
        for (var i = 0; i >= 0 && i < count; i = next[i])
        {
            result.Add(texts[i]);
        }

        return [.. result];
    }

    private void ReadMerges(JsonConfig config)
    {
        if (config.Element.ValueKind != JsonValueKind.Array)
        {
            throw config.Error("the BPE merges must be an array.");
        }

        // Symbols are vocabulary ids, plus ids after the vocabulary for merge parts that are not in the vocabulary.
        var size = vocabulary.Count == 0 ? 0 : vocabulary.Values.Max() + 1;
        symbols.AddRange(new string?[size]);
        foreach (var (token, id) in vocabulary)
        {
            symbols[id] = token;
        }

        var vocabularyLookup = vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        var extraLookup = extraSymbols.GetAlternateLookup<ReadOnlySpan<char>>();
        int Symbol(ReadOnlySpan<char> text)
        {
            if (vocabularyLookup.TryGetValue(text, out var id) || extraLookup.TryGetValue(text, out id))
            {
                return id;
            }

            var value = text.ToString();
            id = symbols.Count;
            symbols.Add(value);
            extraSymbols[value] = id;
            return id;
        }

        merges.EnsureCapacity(config.Element.GetArrayLength());
        var prefixLength = ContinuingSubwordPrefix?.Length ?? 0;
        var buffer = new char[256];
        var rank = 0;
        foreach (var item in config.Element.EnumerateArray())
        {
            string pair;
            int split;
            int rightLength;
            if (item.ValueKind == JsonValueKind.String)
            {
                // The old format "left right"; like the reference, a third space-separated part is ignored.
                pair = item.GetString()!;
                split = pair.IndexOf(' ', StringComparison.Ordinal);
                if (split < 0)
                {
                    throw config.Error($"merge {rank} (\"{pair}\") must be two tokens separated by a space.");
                }

                var secondSpace = pair.IndexOf(' ', split + 1);
                rightLength = (secondSpace < 0 ? pair.Length : secondSpace) - split - 1;
            }
            else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() == 2
                && item[0].ValueKind == JsonValueKind.String && item[1].ValueKind == JsonValueKind.String)
            {
                var first = item[0].GetString()!;
                var second = item[1].GetString()!;
                pair = first + " " + second;
                split = first.Length;
                rightLength = second.Length;
            }
            else
            {
                throw config.Error($"merge {rank} must be a \"left right\" string or a [left, right] pair.");
            }

            var left = pair.AsSpan(0, split);
            var right = pair.AsSpan(split + 1, rightLength);
            var rightPart = prefixLength > 0 && right.StartsWith(ContinuingSubwordPrefix, StringComparison.Ordinal) ? right[prefixLength..] : right;
            var mergedLength = left.Length + rightPart.Length;
            if (mergedLength > buffer.Length)
            {
                buffer = new char[mergedLength * 2];
            }

            left.CopyTo(buffer);
            rightPart.CopyTo(buffer.AsSpan(left.Length));
            merges.TryAdd(Key(Symbol(left), Symbol(right)), (rank, Symbol(buffer.AsSpan(0, mergedLength))));
            rank++;
        }
    }

    private static bool HasMarkerAfterOtherCharacter(string symbol)
    {
        for (var i = 1; i < symbol.Length; i++)
        {
            if (symbol[i] == SpaceMarker && symbol[i - 1] != SpaceMarker)
            {
                return true;
            }
        }

        return false;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
