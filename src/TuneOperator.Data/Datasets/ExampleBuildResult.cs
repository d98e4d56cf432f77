namespace TuneOperator.Data.Datasets;

/// <summary>The outcome of tokenising one row: an example (maybe truncated), or why it was dropped.</summary>
/// <param name="Example">The example, null when dropped.</param>
/// <param name="Reason">Why the row was dropped, null when kept.</param>
/// <param name="Message">What is wrong with the row, null when kept.</param>
/// <param name="Truncated">The example was cut to the maximum sequence length.</param>
public sealed record ExampleBuildResult(TokenizedExample? Example, DropReason? Reason, string? Message, bool Truncated = false);
