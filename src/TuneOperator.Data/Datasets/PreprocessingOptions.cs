namespace TuneOperator.Data.Datasets;

/// <summary>What preprocessing does with each row.</summary>
public sealed record PreprocessingOptions
{
    /// <summary>Trim leading and trailing whitespace of every text field.</summary>
    public bool Trim { get; init; } = true;

    /// <summary>Drop rows whose text fields are empty (blank lines are always dropped as empty).</summary>
    public bool DropEmpty { get; init; } = true;

    /// <summary>
    /// Drop rows that are not valid JSON or lack the format's fields; when false the first such row stops preparation
    /// with an <see cref="InvalidDataException"/> naming its file and line.
    /// </summary>
    public bool DropMalformed { get; init; } = true;

    /// <summary>Drop rows equal to an earlier row after trimming and collapsing whitespace runs.</summary>
    public bool DropDuplicates { get; init; } = true;

    /// <summary>
    /// Keep the first <see cref="DataOptions.MaxSeqLength"/> tokens of an over-long row instead of dropping it; a row
    /// with no trainable token left is still dropped.
    /// </summary>
    public bool TruncateOverLong { get; init; }

    /// <summary>How many example locations (file:line) the report keeps per drop reason.</summary>
    public int ReportedLinesPerReason { get; init; } = 5;

    /// <summary>Augmentation of training rows; null for none.</summary>
    public AugmentationOptions? Augmentation { get; init; }
}
