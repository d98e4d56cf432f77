namespace TuneOperator.Data.Datasets;

/// <summary>One line of a JSONL file.</summary>
/// <param name="Number">The 1-based line number.</param>
/// <param name="Text">The line without its line terminator.</param>
public sealed record JsonlLine(long Number, string Text);
