namespace TuneOperator.Trainer.Training;

/// <summary>The mean training loss of one optimizer step.</summary>
/// <param name="Step">The 1-based step.</param>
/// <param name="Loss">The loss.</param>
public sealed record StepLoss(int Step, double Loss);
