namespace TuneOperator.Data.Datasets;

/// <summary>A row of the completion format.</summary>
/// <param name="Text">The text, all of it trained on.</param>
public sealed record CompletionRow(string Text) : DataRow
{
    /// <inheritdoc />
    public override bool IsEmpty => Text.Length == 0;

    /// <inheritdoc />
    protected override IEnumerable<string?> KeyFields() => ["t", Text];
}
