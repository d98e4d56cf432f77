namespace TuneOperator.Trainer.Checkpoints;

/// <summary>
/// <c>manifest.json</c>, written last into a checkpoint: a directory is a checkpoint only when its manifest is
/// complete and every listed file has the recorded size and digest.
/// </summary>
/// <param name="FormatVersion">The layout version, <see cref="CurrentFormatVersion"/>.</param>
/// <param name="Step">The optimizer step the checkpoint was taken after.</param>
/// <param name="CreatedAt">When it was written.</param>
/// <param name="MetricName">The evaluation metric recorded with it, if any.</param>
/// <param name="MetricValue">That metric's value, if any.</param>
/// <param name="Files">Every file of the checkpoint except the manifest.</param>
public sealed record CheckpointManifest(int FormatVersion, int Step, DateTimeOffset CreatedAt, string? MetricName, double? MetricValue, IReadOnlyList<CheckpointFile> Files)
{
    /// <summary>
    /// The layout version this code writes: 2, whose file digests are <c>sha256:&lt;hex&gt;</c>. Version 1 (plain hex
    /// digests, otherwise the same) is still read, so checkpoints of earlier versions resume.
    /// </summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>The oldest layout version this code reads.</summary>
    public const int FirstFormatVersion = 1;

    /// <summary>The manifest's file name.</summary>
    public const string FileName = "manifest.json";
}
