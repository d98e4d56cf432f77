namespace TuneOperator.Data.Datasets;

/// <summary>The preprocessed, tokenised data of a job, with its report and digest.</summary>
/// <param name="Options">The options it was prepared with.</param>
/// <param name="Sources">One entry per <see cref="DataOptions.Sources"/> entry, in the same order.</param>
/// <param name="SharedValidation">Examples of <see cref="DataOptions.Validation"/>, the validation file shared by all sources.</param>
/// <param name="Report">What preprocessing did, per file.</param>
/// <param name="Digest">The <see cref="DatasetDigest"/> of the files and options (<c>sha256:…</c>).</param>
public sealed record PreparedDataset(DataOptions Options, IReadOnlyList<PreparedSource> Sources, IReadOnlyList<TokenizedExample> SharedValidation, DataReport Report, string Digest)
{
    /// <summary>All validation examples, source by source, then the shared validation file's.</summary>
    public IReadOnlyList<TokenizedExample> Validation => [.. Sources.SelectMany(s => s.Validation), .. SharedValidation];
}
