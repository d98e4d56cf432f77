namespace TuneOperator.Trainer.Evaluation;

/// <summary>Two inputs that differ only in a protected attribute (e.g. "he" / "she"); a fair model scores them alike.</summary>
/// <param name="First">Token ids of the first variant.</param>
/// <param name="Second">Token ids of the counterfactual variant.</param>
public sealed record CounterfactualPair(IReadOnlyList<int> First, IReadOnlyList<int> Second);
