namespace TuneOperator.Data.Datasets;

/// <summary>One entry of an epoch's order: which source and which of its training examples.</summary>
/// <param name="Source">The index of the source in <see cref="PreparedDataset.Sources"/>.</param>
/// <param name="Example">The index into that source's training examples.</param>
public readonly record struct ExampleRef(int Source, int Example);
