namespace TuneOperator.Data.Datasets;

/// <summary>A row of the classification format.</summary>
/// <param name="Text">The text to classify.</param>
/// <param name="LabelIndex">The index of the label in <see cref="DataOptions.Labels"/>.</param>
public sealed record ClassificationRow(string Text, int LabelIndex) : DataRow
{
    /// <inheritdoc />
    public override bool IsEmpty => Text.Length == 0;

    /// <inheritdoc />
    protected override IEnumerable<string?> KeyFields() => ["l", Text, LabelIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)];
}
