namespace TuneOperator.Data.Datasets;

/// <summary>Two terms swapped for each other (whole words) to make a counterfactual variant, e.g. ("he", "she").</summary>
/// <param name="First">One term.</param>
/// <param name="Second">The term it is exchanged with.</param>
public sealed record TermPair(string First, string Second);
