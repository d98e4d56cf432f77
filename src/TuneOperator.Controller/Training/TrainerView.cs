using TuneOperator.Api;

namespace TuneOperator.Controller.Training;

/// <summary>
/// What the operator knows about one attempt's trainer from its event stream: an immutable snapshot, replaced as a
/// whole by <see cref="TrainerViewFolder"/> for every event.
/// </summary>
/// <param name="Attempt">The attempt whose trainer reported these events.</param>
/// <param name="LastSequence">The sequence of the last event folded in (0 before any).</param>
/// <param name="Progress">The latest progress, when reported.</param>
/// <param name="Metrics">The latest metric values by status name (trainLoss, learningRate, evalLoss ...).</param>
/// <param name="Checkpoints">The most recent checkpoints, oldest first, at most checkpoint.keepLast.</param>
/// <param name="BestCheckpoint">The checkpoint with the best evaluation metric so far.</param>
/// <param name="Output">The written model once training completed.</param>
/// <param name="Lineage">The output's provenance once training completed.</param>
/// <param name="Failure">The trainer's failure, when it reported one.</param>
/// <param name="Completed">True once the trainer reported completion.</param>
/// <param name="CompletedReason">Why training ended (Completed, EarlyStopped, MaxSteps), when completed.</param>
public sealed record TrainerView(
    int Attempt,
    long LastSequence,
    JobProgress? Progress,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<CheckpointStatus> Checkpoints,
    CheckpointStatus? BestCheckpoint,
    ModelArtifact? Output,
    JobLineage? Lineage,
    TrainerFailure? Failure,
    bool Completed,
    string? CompletedReason)
{
    /// <summary>
    /// The evaluation the trainer ran before its first step (step 0) of a fresh run, by status name; null until
    /// reported. A resumed attempt does not evaluate at step 0 again, so the first attempt's baseline is kept.
    /// </summary>
    public IReadOnlyDictionary<string, double>? BaselineMetrics { get; init; }

    /// <summary>A view seeded from what the job's status already holds (after an operator restart, or a new attempt).</summary>
    public static TrainerView Seed(int attempt, long lastSequence, FineTuneJobStatus? status) => new(
        attempt,
        lastSequence,
        status?.Progress,
        status?.Metrics is { } metrics ? new Dictionary<string, double>(metrics, StringComparer.Ordinal) : new Dictionary<string, double>(StringComparer.Ordinal),
        status?.Checkpoints is { } checkpoints ? [.. checkpoints] : [],
        status?.BestCheckpoint,
        null,
        null,
        null,
        false,
        null)
    {
        BaselineMetrics = status?.BaselineMetrics is { } baseline ? new Dictionary<string, double>(baseline, StringComparer.Ordinal) : null,
    };
}
