namespace TuneOperator.Data.Datasets;

/// <summary>
/// One row of a batch before padding: a single example, or several packed ones. Positions restart at 0 for every
/// packed example and <see cref="DocumentIds"/> numbers the examples (0, 1, ...) so attention can be blocked between
/// them; padding has document id -1.
/// </summary>
/// <param name="InputIds">Token ids.</param>
/// <param name="Labels">Loss targets aligned with the ids (-100: ignored).</param>
/// <param name="PositionIds">Position of each token within its example.</param>
/// <param name="DocumentIds">The example each token belongs to, -1 for padding.</param>
/// <param name="ClassLabel">The label of a classification example.</param>
/// <param name="Examples">How many examples the row holds.</param>
public sealed record TrainingSequence(int[] InputIds, int[] Labels, int[] PositionIds, int[] DocumentIds, int? ClassLabel, int Examples)
{
    /// <summary>The number of positions, padding included.</summary>
    public int Length => InputIds.Length;

    /// <summary>A row holding one unpacked example.</summary>
    public static TrainingSequence Single(TokenizedExample example) => new(
        example.InputIds,
        example.Labels,
        [.. Enumerable.Range(0, example.Length)],
        new int[example.Length],
        example.ClassLabel,
        1);
}
