namespace TuneOperator.Data.Tokenization;

/// <summary>
/// Learns BPE merges from word counts: repeatedly merges the most frequent adjacent pair (ties: the ordinally
/// smallest left, then right symbol) until the vocabulary is full or no pair is frequent enough.
/// </summary>
internal sealed class BpeTrainer(List<string> vocabulary, int vocabularySize, int minimumFrequency)
{
    private readonly Dictionary<string, int> ids = new(StringComparer.Ordinal);
    private readonly Dictionary<long, long> pairCounts = [];
    private readonly Dictionary<long, HashSet<int>> pairWords = [];

    public List<(string Left, string Right)> Train(Dictionary<string, long> wordCounts)
    {
        for (var i = 0; i < vocabulary.Count; i++)
        {
            ids.TryAdd(vocabulary[i], i);
        }

        // Words in a fixed (ordinal) order so that training does not depend on dictionary order.
        var words = wordCounts.Keys.Order(StringComparer.Ordinal).ToList();
        var symbols = words.Select(w => w.Select(c => ids[c.ToString()]).ToList()).ToList();
        var counts = words.Select(w => wordCounts[w]).ToArray();
        for (var w = 0; w < symbols.Count; w++)
        {
            Count(symbols[w], w, counts[w]);
        }

        var merges = new List<(string, string)>();
        while (vocabulary.Count < vocabularySize)
        {
            var best = -1L;
            var bestCount = 0L;
            foreach (var (pair, count) in pairCounts)
            {
                if (count > bestCount || (count == bestCount && count > 0 && ComparePairs(pair, best) < 0))
                {
                    best = pair;
                    bestCount = count;
                }
            }

            if (bestCount < minimumFrequency || best < 0)
            {
                break;
            }

            var left = (int)(best >> 32);
            var right = (int)(best & 0xFFFFFFFF);
            var text = vocabulary[left] + vocabulary[right];
            if (!ids.TryGetValue(text, out var merged))
            {
                merged = vocabulary.Count;
                vocabulary.Add(text);
                ids[text] = merged;
            }

            merges.Add((vocabulary[left], vocabulary[right]));
            foreach (var w in pairWords[best].Order().ToList())
            {
                Count(symbols[w], w, -counts[w]);
                Apply(symbols[w], left, right, merged);
                Count(symbols[w], w, counts[w]);
            }

            pairCounts.Remove(best);
            pairWords.Remove(best);
        }

        return merges;
    }

    private int ComparePairs(long a, long b)
    {
        var byLeft = string.CompareOrdinal(vocabulary[(int)(a >> 32)], vocabulary[(int)(b >> 32)]);
        return byLeft != 0 ? byLeft : string.CompareOrdinal(vocabulary[(int)(a & 0xFFFFFFFF)], vocabulary[(int)(b & 0xFFFFFFFF)]);
    }

    private void Count(List<int> word, int index, long delta)
    {
        for (var i = 0; i + 1 < word.Count; i++)
        {
            var pair = ((long)word[i] << 32) | (uint)word[i + 1];
            pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + delta;
            if (delta > 0)
            {
                if (!pairWords.TryGetValue(pair, out var set))
                {
                    set = [];
                    pairWords[pair] = set;
                }

                set.Add(index);
            }
        }
    }

    private static void Apply(List<int> word, int left, int right, int merged)
    {
        for (var i = 0; i + 1 < word.Count; i++)
        {
            if (word[i] == left && word[i + 1] == right)
            {
                word[i] = merged;
                word.RemoveAt(i + 1);
            }
        }
    }
}
