namespace TuneOperator.Data.Datasets;

/// <summary>The preprocessed, tokenised data of a job, with its report and digest.</summary>
/// <param name="Options">The options it was prepared with.</param>
/// <param name="Sources">One entry per <see cref="DataOptions.Sources"/> entry, in the same order.</param>
/// <param name="Report">What preprocessing did, per file.</param>
/// <param name="Digest">The <see cref="DatasetDigest"/> of the files and options (<c>sha256:…</c>).</param>
public sealed record PreparedDataset(DataOptions Options, IReadOnlyList<PreparedSource> Sources, DataReport Report, string Digest)
{
    /// <summary>All validation examples, source by source.</summary>
    public IReadOnlyList<TokenizedExample> Validation => [.. Sources.SelectMany(s => s.Validation)];
}
