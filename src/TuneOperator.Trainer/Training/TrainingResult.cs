using TuneOperator.Trainer.Checkpoints;

namespace TuneOperator.Trainer.Training;

/// <summary>How a run ended.</summary>
/// <param name="Reason">Why it ended.</param>
/// <param name="Step">The last completed step.</param>
/// <param name="TotalSteps">The planned number of steps.</param>
/// <param name="Losses">The loss of every step this run executed (not those before a resume).</param>
/// <param name="Metrics">The latest evaluation metrics (empty when never evaluated).</param>
/// <param name="FailureReason">The failure reason constant for a guard breach or a non-finite loss.</param>
/// <param name="FailureMessage">A human-readable explanation of the failure.</param>
/// <param name="LastCheckpoint">The newest checkpoint written by this run, if any.</param>
/// <param name="BestCheckpoint">The checkpoint of the best evaluation, if any.</param>
/// <param name="BestStep">The step of the best evaluation by the early-stopping metric, if any.</param>
/// <param name="RestoredBest">
/// Whether the model now holds the weights of <paramref name="BestStep"/> rather than the last step's (see
/// <see cref="TrainingOptions.RestoreBestWeights"/>).
/// </param>
public sealed record TrainingResult(
    StopReason Reason,
    int Step,
    int TotalSteps,
    IReadOnlyList<StepLoss> Losses,
    IReadOnlyDictionary<string, double> Metrics,
    string? FailureReason,
    string? FailureMessage,
    CheckpointInfo? LastCheckpoint,
    CheckpointInfo? BestCheckpoint,
    int? BestStep = null,
    bool RestoredBest = false);
