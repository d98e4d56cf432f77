using TuneOperator.Data.Tokenization;

namespace TuneOperator.Data.Datasets;

/// <summary>A row of the chat format: a conversation with roles normalised to system, user, assistant and tool.</summary>
/// <param name="Messages">The messages in order.</param>
public sealed record ChatRow(IReadOnlyList<ChatMessage> Messages) : DataRow
{
    /// <inheritdoc />
    public override bool IsEmpty => Messages.All(m => m.Content.Length == 0);

    /// <inheritdoc />
    protected override IEnumerable<string?> KeyFields() => ["c", .. Messages.SelectMany(m => new[] { m.Role, m.Content })];
}
