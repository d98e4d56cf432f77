using System.Text;
using TuneOperator.Data.Tokenization;

namespace TuneOperator.Data.Tests.Datasets;

/// <summary>
/// A deterministic test tokenizer: one id per UTF-16 character (16 + code) plus special tokens matched in text, and a
/// chat template <c>&lt;s&gt;&lt;|role|&gt;content&lt;|end|&gt;...</c> with generation prompt <c>&lt;|assistant|&gt;</c>.
/// Token counts equal character counts, so tests can reason about positions exactly.
/// </summary>
internal sealed class CharTokenizer : ITextTokenizer
{
    public const int Pad = 0;
    public const int Bos = 1;
    public const int Eos = 2;
    public const int Offset = 16;

    private static readonly string[] Specials = ["<pad>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>", "<|tool|>", "<|end|>"];

    public int VocabularySize => Offset + char.MaxValue + 1;

    public int? BosTokenId => Bos;

    public int? EosTokenId => Eos;

    public int? PadTokenId => Pad;

    public static int Id(char c) => Offset + c;

    public static int Special(string token) => Array.IndexOf(Specials, token);

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = false)
    {
        var ids = new List<int>(text.Length + 1);
        if (addSpecialTokens)
        {
            ids.Add(Bos);
        }

        var i = 0;
        while (i < text.Length)
        {
            var special = Array.FindIndex(Specials, s => string.CompareOrdinal(text, i, s, 0, s.Length) == 0);
            if (special >= 0)
            {
                ids.Add(special);
                i += Specials[special].Length;
            }
            else
            {
                ids.Add(Id(text[i]));
                i++;
            }
        }

        return ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var text = new StringBuilder();
        foreach (var id in ids)
        {
            if (id >= Offset)
            {
                text.Append((char)(id - Offset));
            }
            else if (!skipSpecialTokens)
            {
                text.Append(Specials[id]);
            }
        }

        return text.ToString();
    }

    public string? IdToToken(int id) => id < 0 || id >= VocabularySize ? null : id < Offset ? (id < Specials.Length ? Specials[id] : null) : ((char)(id - Offset)).ToString();

    public string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var text = new StringBuilder("<s>");
        foreach (var message in messages)
        {
            text.Append("<|").Append(message.Role).Append("|>").Append(message.Content).Append("<|end|>");
        }

        if (addGenerationPrompt)
        {
            text.Append("<|assistant|>");
        }

        return text.ToString();
    }
}
