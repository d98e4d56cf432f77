namespace TuneOperator.Data.Datasets;

/// <summary>The tokenised examples of one source.</summary>
/// <param name="Name">The source's name.</param>
/// <param name="Weight">Its weight in the mix.</param>
/// <param name="Train">Training examples (augmented variants follow their row), in file order.</param>
/// <param name="Validation">Validation examples (from the validation file or the held-out split), in file order.</param>
public sealed record PreparedSource(string Name, double Weight, IReadOnlyList<TokenizedExample> Train, IReadOnlyList<TokenizedExample> Validation);
