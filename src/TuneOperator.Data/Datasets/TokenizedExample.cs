namespace TuneOperator.Data.Datasets;

/// <summary>
/// One tokenised example. <see cref="Labels"/> is aligned with <see cref="InputIds"/> (the model shifts them: the label
/// at position t is the target of the logits at t-1), holding the token id where the loss counts and
/// <see cref="IgnoreIndex"/> where it does not.
/// </summary>
/// <param name="InputIds">The token ids, BOS and EOS included.</param>
/// <param name="Labels">The loss targets, <see cref="IgnoreIndex"/> where the loss must not count.</param>
/// <param name="ClassLabel">The label index of a classification example, otherwise null.</param>
/// <param name="Source">The name of the source the example came from.</param>
/// <param name="Location">The file and line of the row.</param>
public sealed record TokenizedExample(int[] InputIds, int[] Labels, int? ClassLabel, string Source, DataLocation Location)
{
    /// <summary>The label value the loss ignores (PyTorch's cross-entropy default).</summary>
    public const int IgnoreIndex = -100;

    /// <summary>The number of tokens.</summary>
    public int Length => InputIds.Length;

    /// <summary>The number of positions whose label counts.</summary>
    public int TrainableTokens => Labels.Count(l => l != IgnoreIndex);
}
