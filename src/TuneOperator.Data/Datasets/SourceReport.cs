namespace TuneOperator.Data.Datasets;

/// <summary>What preprocessing did with one file.</summary>
/// <param name="Source">The source's name.</param>
/// <param name="File">The file as configured.</param>
/// <param name="Split"><c>train</c> or <c>validation</c> (a validation file).</param>
/// <param name="RowsRead">Lines read.</param>
/// <param name="RowsKept">Rows kept for this split (augmented variants not included).</param>
/// <param name="RowsHeldOut">Rows of a training file moved to validation by the validation split.</param>
/// <param name="RowsAugmented">Augmented variants added to the training rows.</param>
/// <param name="RowsTruncated">Kept rows (and variants) cut to the maximum sequence length.</param>
/// <param name="Tokens">Tokens of everything kept: rows, held-out rows and variants.</param>
/// <param name="Drops">Dropped rows per reason, only reasons that occurred, in <see cref="DropReason"/> order.</param>
public sealed record SourceReport(
    string Source,
    string File,
    string Split,
    long RowsRead,
    long RowsKept,
    long RowsHeldOut,
    long RowsAugmented,
    long RowsTruncated,
    long Tokens,
    IReadOnlyList<DropSummary> Drops)
{
    /// <summary>Rows dropped for <paramref name="reason"/>.</summary>
    public long Dropped(DropReason reason) => Drops.FirstOrDefault(d => d.Reason == reason)?.Count ?? 0;

    /// <summary>Rows dropped for any reason.</summary>
    public long DroppedTotal => Drops.Sum(d => d.Count);
}
