namespace TuneOperator.Data.Datasets;

/// <summary>The outcome of parsing one line: a row, or the reason and message of its drop.</summary>
/// <param name="Row">The parsed row, null when dropped.</param>
/// <param name="Reason">Why the line was dropped, null when parsed.</param>
/// <param name="Message">What is wrong with the line, null when parsed.</param>
public sealed record RowParseResult(DataRow? Row, DropReason? Reason, string? Message)
{
    /// <summary>A parsed row.</summary>
    public static RowParseResult Parsed(DataRow row) => new(row, null, null);

    /// <summary>A dropped line.</summary>
    public static RowParseResult Dropped(DropReason reason, string message) => new(null, reason, message);
}
