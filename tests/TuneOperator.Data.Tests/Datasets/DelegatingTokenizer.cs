using TuneOperator.Data.Tokenization;

namespace TuneOperator.Data.Tests.Datasets;

/// <summary>
/// A <see cref="CharTokenizer"/> with a replaced chat template and an optional merge of one character pair into a single
/// id, to exercise templates that are not prefix-stable and merges across the prompt/response boundary.
/// </summary>
internal sealed class DelegatingTokenizer(Func<IReadOnlyList<ChatMessage>, bool, string>? template = null, (char First, char Second, int Id)? merge = null) : ITextTokenizer
{
    private readonly CharTokenizer inner = new();

    public int VocabularySize => inner.VocabularySize;

    public int? BosTokenId => inner.BosTokenId;

    public int? EosTokenId => inner.EosTokenId;

    public int? PadTokenId => inner.PadTokenId;

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = false)
    {
        var ids = inner.Encode(text, addSpecialTokens);
        if (merge is not { } pair)
        {
            return ids;
        }

        var merged = new List<int>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (i + 1 < ids.Count && ids[i] == CharTokenizer.Id(pair.First) && ids[i + 1] == CharTokenizer.Id(pair.Second))
            {
                merged.Add(pair.Id);
                i++;
            }
            else
            {
                merged.Add(ids[i]);
            }
        }

        return merged;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false) =>
        string.Concat(ids.Select(id => merge is { } pair && id == pair.Id ? $"{pair.First}{pair.Second}" : inner.Decode([id], skipSpecialTokens)));

    public string? IdToToken(int id) => inner.IdToToken(id);

    public string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) =>
        template is null ? inner.ApplyChatTemplate(messages, addGenerationPrompt) : template(messages, addGenerationPrompt);
}
