using TuneOperator.Trainer.Checkpoints;

namespace TuneOperator.Trainer.Training;

/// <summary>Hyperparameters and cadence of a training run.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training data (used when <see cref="MaxSteps"/> is not set). Default 1.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>The number of optimizer steps; overrides <see cref="Epochs"/> when set.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Micro-batches per optimizer step. Default 1.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>The peak learning rate. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>The decay after warm-up. Default cosine.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;

    /// <summary>Linear warm-up steps. Default 0.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>The rate the decay ends at. Default 0.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>AdamW's betas, epsilon and weight decay.</summary>
    public AdamWOptions AdamW { get; init; } = new();

    /// <summary>Clip gradients to this global L2 norm; 0 disables clipping. Default 1.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Seeds libtorch's generator (dropout) at the start of a fresh run. Default 42.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Compute precision. Default fp32.</summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.Float32;

    /// <summary>Evaluate every N steps; 0 evaluates only at the end. Default 0.</summary>
    public int EvaluationEverySteps { get; init; }

    /// <summary>
    /// Whether a fresh run evaluates once before its first step (step 0), so the evaluators' and guards' metrics of the
    /// starting model can be compared with the trained one. A resumed run does not evaluate again. Default false.
    /// </summary>
    public bool EvaluateAtStart { get; init; }

    /// <summary>Checkpoint every N steps; 0 checkpoints only at the end, on stop and on a new best. Default 0.</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>How many of the newest checkpoints to keep (the best is always kept). Default 3.</summary>
    public int KeepLast { get; init; } = 3;

    /// <summary>Which weights checkpoints hold. Default all.</summary>
    public CheckpointWeights CheckpointWeights { get; init; } = CheckpointWeights.All;

    /// <summary>Whether a cooperative stop (cancellation) saves a checkpoint. Default true.</summary>
    public bool CheckpointOnStop { get; init; } = true;

    /// <summary>
    /// With early stopping: when the run ends (completed or stopped early), put the weights of the best evaluation back
    /// into the model, from the best checkpoint or, without a checkpoint store, from a CPU copy taken at each new best.
    /// Default false (the model keeps the last step's weights).
    /// </summary>
    public bool RestoreBestWeights { get; init; }

    /// <summary>Describes every problem, naming the field and the accepted values.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxSteps is null && Epochs < 1)
        {
            yield return $"epochs must be at least 1 (got {Epochs}), or set maxSteps.";
        }

        if (MaxSteps is < 1)
        {
            yield return $"maxSteps must be at least 1 (got {MaxSteps}).";
        }

        if (GradientAccumulationSteps < 1)
        {
            yield return $"gradientAccumulationSteps must be at least 1 (got {GradientAccumulationSteps}).";
        }

        if (!(MaxGradNorm >= 0))
        {
            yield return $"maxGradNorm must be 0 (no clipping) or positive (got {MaxGradNorm}).";
        }

        if (EvaluationEverySteps < 0)
        {
            yield return $"evaluation.everySteps must be 0 or more (got {EvaluationEverySteps}).";
        }

        if (CheckpointEverySteps < 0)
        {
            yield return $"checkpoint.everySteps must be 0 or more (got {CheckpointEverySteps}).";
        }

        if (KeepLast < 1)
        {
            yield return $"checkpoint.keepLast must be at least 1 (got {KeepLast}).";
        }

        foreach (var problem in AdamW.Validate())
        {
            yield return problem;
        }
    }

    /// <summary>The run's number of optimizer steps for a source of <paramref name="batchesPerEpoch"/> batches.</summary>
    public int TotalSteps(int batchesPerEpoch)
        => MaxSteps ?? (int)Math.Ceiling((double)Epochs * batchesPerEpoch / GradientAccumulationSteps);

    /// <summary>The learning-rate schedule of a run of <paramref name="totalSteps"/> steps.</summary>
    public LearningRateSchedule ScheduleFor(int totalSteps)
        => new(Schedule, LearningRate, WarmupSteps, totalSteps, MinLearningRate);
}
