namespace TuneOperator.Trainer.Training;

/// <summary>The shape of the learning-rate schedule after warm-up.</summary>
public enum ScheduleKind
{
    /// <summary>The peak rate until the end.</summary>
    Constant,

    /// <summary>Linear decay from the peak to the minimum at the last step.</summary>
    Linear,

    /// <summary>Half-cosine decay from the peak to the minimum at the last step.</summary>
    Cosine,
}
