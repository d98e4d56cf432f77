namespace TuneOperator.Data.Datasets;

/// <summary>How many rows were dropped for one reason, with the first few of them.</summary>
/// <param name="Reason">The reason.</param>
/// <param name="Count">How many rows.</param>
/// <param name="First">The first rows dropped for this reason, in file order (at most the configured number).</param>
public sealed record DropSummary(DropReason Reason, long Count, IReadOnlyList<DropSample> First);
