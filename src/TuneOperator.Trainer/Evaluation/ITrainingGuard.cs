using static TorchSharp.torch;

namespace TuneOperator.Trainer.Evaluation;

/// <summary>A check the training loop runs before training, at every evaluation and at the end.</summary>
public interface ITrainingGuard
{
    /// <summary>The baseline measured before training (null until measured); saved in checkpoints.</summary>
    double? Baseline { get; set; }

    /// <summary>Measures the baseline on the model before any training step (only for guards that need one).</summary>
    void MeasureBaseline(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken);

    /// <summary>Measures the model and compares with the bound.</summary>
    GuardResult Check(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken);
}
