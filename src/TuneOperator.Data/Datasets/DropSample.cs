namespace TuneOperator.Data.Datasets;

/// <summary>One dropped row, kept as an example in the report.</summary>
/// <param name="Location">The row's file and line.</param>
/// <param name="Message">What was wrong with it.</param>
public sealed record DropSample(DataLocation Location, string Message)
{
    /// <summary>Formats as <c>file:line: message</c>.</summary>
    public override string ToString() => $"{Location}: {Message}";
}
