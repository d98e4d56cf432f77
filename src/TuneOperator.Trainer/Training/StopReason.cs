namespace TuneOperator.Trainer.Training;

/// <summary>Why a run ended.</summary>
public enum StopReason
{
    /// <summary>All planned steps ran.</summary>
    Completed,

    /// <summary>Early stopping ran out of patience.</summary>
    EarlyStopped,

    /// <summary>Cancellation asked for a cooperative stop (a checkpoint was saved when configured).</summary>
    Cancelled,

    /// <summary>A guard configured to fail was breached; see the result's failure reason.</summary>
    GuardFailed,

    /// <summary>The loss became NaN or infinite.</summary>
    LossNotFinite,
}
