using TorchSharp;
using TuneOperator.Trainer.Training;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Evaluation;

/// <summary>Accuracy, macro precision / recall / F1 and the full report of a classifier (argmax of its logits).</summary>
public sealed class ClassificationEvaluator(IBatchSource source, int classCount) : IEvaluator
{
    /// <inheritdoc />
    public EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken)
    {
        model.eval();
        source.Seek(BatchPosition.Start);
        var actual = new List<int>();
        var predicted = new List<int>();
        using var noGrad = no_grad();
        for (var i = 0; i < source.BatchesPerEpoch; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var batch = source.Next();
            var logits = batch.Logits(model);
            predicted.AddRange(logits.argmax(1).cpu().data<long>().Select(v => (int)v));
            actual.AddRange(batch.Labels.cpu().data<long>().Select(v => (int)v));
        }

        var report = ClassificationMetrics.Compute(actual, predicted, classCount);
        return new EvaluationResult(
            new Dictionary<string, double>
            {
                [MetricNames.EvalAccuracy] = report.Accuracy,
                [MetricNames.EvalPrecision] = report.MacroPrecision,
                [MetricNames.EvalRecall] = report.MacroRecall,
                [MetricNames.EvalF1] = report.MacroF1,
            },
            report);
    }
}
