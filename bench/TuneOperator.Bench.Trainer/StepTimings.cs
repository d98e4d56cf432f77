namespace TuneOperator.Bench.Trainer;

/// <summary>Seconds spent in the phases of one training step.</summary>
/// <param name="Forward">Model forward pass and loss.</param>
/// <param name="Backward">Backward pass.</param>
/// <param name="Optimizer">Gradient clipping, the AdamW update and zeroing the gradients.</param>
/// <param name="Loss">The step's mean loss.</param>
public sealed record StepTimings(double Forward, double Backward, double Optimizer, double Loss)
{
    /// <summary>The whole step.</summary>
    public double Total => Forward + Backward + Optimizer;
}
