namespace TuneOperator.Trainer.Training;

/// <summary>One tokenized example.</summary>
/// <param name="InputIds">The token ids.</param>
/// <param name="Labels">
/// Language modelling: one label per input id (<see cref="Batch.IgnoreIndex"/> where no loss is taken).
/// Classification: null (the class is <paramref name="ClassLabel"/>).
/// </param>
/// <param name="ClassLabel">The class index for classification; null for language modelling.</param>
public sealed record SequenceExample(IReadOnlyList<int> InputIds, IReadOnlyList<int>? Labels = null, int? ClassLabel = null)
{
    /// <summary>A language-modelling example whose loss covers every token.</summary>
    public static SequenceExample ForLanguageModel(IReadOnlyList<int> inputIds) => new(inputIds, inputIds);

    /// <summary>A classification example.</summary>
    public static SequenceExample ForClassification(IReadOnlyList<int> inputIds, int label) => new(inputIds, null, label);
}
