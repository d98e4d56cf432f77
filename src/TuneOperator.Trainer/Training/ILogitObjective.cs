using static TorchSharp.torch;

namespace TuneOperator.Trainer.Training;

/// <summary>An objective computed from the model's logits, which distillation can wrap.</summary>
public interface ILogitObjective : ITrainingObjective
{
    /// <summary>The fp32 scalar sum of the per-target losses of <paramref name="logits"/>.</summary>
    Tensor LossSumFromLogits(Tensor logits, Tensor labels);

    /// <summary>The logits at the targets, one row per target: [targets, vocabulary or classes].</summary>
    Tensor TargetLogits(Tensor logits, Tensor labels);
}
