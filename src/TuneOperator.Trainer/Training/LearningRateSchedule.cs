namespace TuneOperator.Trainer.Training;

/// <summary>
/// A learning-rate schedule: linear warm-up from 0 to <see cref="PeakLearningRate"/> over
/// <see cref="WarmupSteps"/> steps, then constant, linear or cosine decay to <see cref="MinLearningRate"/> at
/// <see cref="TotalSteps"/>. A pure function of the step, so its state in a checkpoint is the step alone.
/// </summary>
/// <param name="Kind">The decay shape.</param>
/// <param name="PeakLearningRate">The rate at the end of warm-up, &gt; 0.</param>
/// <param name="WarmupSteps">Warm-up steps, &gt;= 0.</param>
/// <param name="TotalSteps">The number of optimizer steps of the run, &gt;= 1.</param>
/// <param name="MinLearningRate">The rate the decay ends at, 0 by default.</param>
public sealed record LearningRateSchedule(ScheduleKind Kind, double PeakLearningRate, int WarmupSteps, int TotalSteps, double MinLearningRate = 0)
{
    /// <summary>Describes what is wrong with the schedule, one message per problem, naming the field.</summary>
    public IEnumerable<string> Validate()
    {
        if (!(PeakLearningRate > 0) || double.IsInfinity(PeakLearningRate))
        {
            yield return $"learningRate must be a positive number (got {PeakLearningRate}).";
        }

        if (WarmupSteps < 0)
        {
            yield return $"warmupSteps must be 0 or more (got {WarmupSteps}).";
        }

        if (TotalSteps < 1)
        {
            yield return $"the total number of steps must be at least 1 (got {TotalSteps}); set maxSteps or epochs.";
        }

        if (MinLearningRate < 0 || MinLearningRate > PeakLearningRate)
        {
            yield return $"minLearningRate must be between 0 and learningRate (got {MinLearningRate}).";
        }
    }

    /// <summary>The learning rate of the 1-based optimizer step <paramref name="step"/>.</summary>
    public double At(int step)
    {
        if (WarmupSteps > 0 && step <= WarmupSteps)
        {
            return PeakLearningRate * step / WarmupSteps;
        }

        var decaySteps = TotalSteps - WarmupSteps;
        if (Kind == ScheduleKind.Constant || decaySteps <= 0)
        {
            return PeakLearningRate;
        }

        // Progress 0 on the first step after warm-up, 1 on the last step.
        var progress = decaySteps == 1 ? 1.0 : Math.Clamp((double)(step - WarmupSteps - 1) / (decaySteps - 1), 0, 1);
        var factor = Kind == ScheduleKind.Linear ? 1 - progress : 0.5 * (1 + Math.Cos(Math.PI * progress));
        return MinLearningRate + ((PeakLearningRate - MinLearningRate) * factor);
    }
}
