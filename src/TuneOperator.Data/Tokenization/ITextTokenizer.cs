namespace TuneOperator.Data.Tokenization;

/// <summary>One message of a chat conversation.</summary>
/// <param name="Role">system, user, assistant or tool.</param>
/// <param name="Content">The message text.</param>
public sealed record ChatMessage(string Role, string Content);

/// <summary>
/// The tokenizer contract the data pipeline and the trainer use. Implemented by the tokenizer.json loader
/// (byte-level BPE and SentencePiece-style BPE with byte fallback).
/// </summary>
public interface ITextTokenizer
{
    /// <summary>The number of ids the model's embedding must hold (base vocabulary plus added tokens).</summary>
    int VocabularySize { get; }

    /// <summary>The beginning-of-sequence token id, if the tokenizer has one.</summary>
    int? BosTokenId { get; }

    /// <summary>The end-of-sequence token id, if the tokenizer has one.</summary>
    int? EosTokenId { get; }

    /// <summary>The padding token id, if the tokenizer has one.</summary>
    int? PadTokenId { get; }

    /// <summary>Encodes text to ids; with <paramref name="addSpecialTokens"/> the post-processor's tokens (e.g. BOS) are added.</summary>
    IReadOnlyList<int> Encode(string text, bool addSpecialTokens = false);

    /// <summary>Decodes ids back to text.</summary>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);

    /// <summary>The text piece of one id (as stored in the vocabulary), or null for an unknown id.</summary>
    string? IdToToken(int id);

    /// <summary>Renders a conversation with the model's chat template.</summary>
    string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt);
}
