namespace TuneOperator.Trainer.Training;

/// <summary>Progress after one optimizer step.</summary>
/// <param name="Step">The completed 1-based step.</param>
/// <param name="TotalSteps">The planned number of steps.</param>
/// <param name="Epoch">Fractional epochs consumed (epoch + index / batches per epoch).</param>
/// <param name="Loss">The step's mean loss.</param>
/// <param name="LearningRate">The learning rate used.</param>
/// <param name="GradientNorm">The global gradient norm before clipping.</param>
/// <param name="TokensPerSecond">Input tokens of the step over its wall time.</param>
/// <param name="Eta">Remaining time at this run's mean step time.</param>
public sealed record StepCompleted(int Step, int TotalSteps, double Epoch, double Loss, double LearningRate, double GradientNorm, double TokensPerSecond, TimeSpan Eta)
    : TrainingEvent(Step);
