namespace TuneOperator.Trainer.Evaluation;

/// <summary>What a breached guard does.</summary>
public enum GuardAction
{
    /// <summary>Stop training; the job fails with the guard's reason.</summary>
    Fail,

    /// <summary>Report a warning and keep training.</summary>
    Warn,
}
