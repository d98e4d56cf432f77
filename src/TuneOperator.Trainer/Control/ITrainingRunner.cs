using TuneOperator.Protos;
using TuneOperator.Trainer.Training;

namespace TuneOperator.Trainer.Control;

/// <summary>What a Start call asks the trainer to run.</summary>
/// <param name="JobUid">The FineTuneJob's UID.</param>
/// <param name="JobNamespace">The job's namespace.</param>
/// <param name="JobName">The job's name.</param>
/// <param name="Attempt">The attempt number (the pod's attempt).</param>
/// <param name="PlanJson">The resolved FineTuneJob spec as JSON.</param>
/// <param name="ResumeFrom">The checkpoint directory to resume from, or null for a fresh start.</param>
public sealed record TrainingRequest(string JobUid, string JobNamespace, string JobName, int Attempt, string PlanJson, string? ResumeFrom);

/// <summary>How a run ended, when it did not throw.</summary>
/// <param name="Completed">The completion event's payload when training finished and its output was written.</param>
/// <param name="Stopped">True when the run ended because a stop was requested.</param>
public sealed record TrainingOutcome(Completed? Completed, bool Stopped)
{
    /// <summary>A run that finished and exported its output.</summary>
    public static TrainingOutcome Finished(Completed completed) => new(completed, Stopped: false);

    /// <summary>A run that ended on a stop request.</summary>
    public static TrainingOutcome StoppedByRequest { get; } = new(null, Stopped: true);
}

/// <summary>A failure a run reports with a reason; permanent failures (bad data, bad model, a breached guard) are not retried.</summary>
public sealed class TrainingFailedException(string reason, string message, bool permanent, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The CamelCase reason, e.g. InvalidDataset.</summary>
    public string Reason { get; } = reason;

    /// <summary>True when retrying cannot help.</summary>
    public bool Permanent { get; } = permanent;
}

/// <summary>Where a run reports what happens; each report becomes an event in the session's log.</summary>
public interface ITrainingReporter
{
    /// <summary>Reports a phase change (loading, training, evaluating, exporting).</summary>
    void Phase(TrainerPhase phase);

    /// <summary>Reports progress after an optimizer step.</summary>
    void Progress(Progress progress);

    /// <summary>Reports training metrics.</summary>
    void Metrics(Metrics metrics);

    /// <summary>Reports an evaluation result.</summary>
    void Eval(EvalResult result);

    /// <summary>Reports a checkpoint that is complete on disk.</summary>
    void CheckpointSaved(CheckpointInfo checkpoint);
}

/// <summary>Runs one training plan to its end: the seam between the control service and the training engine.</summary>
public interface ITrainingRunner
{
    /// <summary>
    /// Trains the plan, honouring <paramref name="control"/> at step boundaries, reporting through
    /// <paramref name="reporter"/>. Throws <see cref="TrainingFailedException"/> for a failure with a reason.
    /// </summary>
    Task<TrainingOutcome> RunAsync(TrainingRequest request, TrainingControl control, ITrainingReporter reporter, CancellationToken cancellationToken);
}
