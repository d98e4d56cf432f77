namespace TuneOperator.Trainer.Checkpoints;

/// <summary>A complete checkpoint on disk.</summary>
/// <param name="Step">The optimizer step it was taken after.</param>
/// <param name="Path">Its directory.</param>
/// <param name="Sha256">The SHA-256 of its manifest, <c>sha256:&lt;hex&gt;</c>, which pins every file's digest: one digest for the whole checkpoint.</param>
/// <param name="CreatedAt">When it was written.</param>
/// <param name="MetricName">The evaluation metric recorded with it, if any.</param>
/// <param name="MetricValue">That metric's value, if any.</param>
public sealed record CheckpointInfo(int Step, string Path, string Sha256, DateTimeOffset CreatedAt, string? MetricName, double? MetricValue);
