using static TorchSharp.torch;

namespace TuneOperator.Trainer.Evaluation;

/// <summary>Measures a model on held-out data. Implementations switch the model to eval mode and run without gradients.</summary>
public interface IEvaluator
{
    /// <summary>Evaluates <paramref name="model"/>.</summary>
    EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken);
}
