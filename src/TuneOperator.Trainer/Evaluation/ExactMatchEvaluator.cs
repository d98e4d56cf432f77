using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Evaluation;

/// <summary>Greedy-decodes an answer for every prompt and reports the fraction equal to the reference.</summary>
/// <param name="examples">Prompts with their reference answers.</param>
/// <param name="maxNewTokens">The most tokens generated per answer.</param>
/// <param name="stopId">The id that ends an answer (e.g. end of sequence), if any.</param>
/// <param name="device">Where the prompts are placed; the CPU by default.</param>
public sealed class ExactMatchEvaluator(IReadOnlyList<GenerationExample> examples, int maxNewTokens, int? stopId, Device? device = null) : IEvaluator
{
    /// <inheritdoc />
    public EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken)
    {
        var pairs = new List<(IReadOnlyList<int>, IReadOnlyList<int>)>(examples.Count);
        foreach (var example in examples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            pairs.Add((GreedyDecoder.Generate(model, example.Prompt, maxNewTokens, stopId, device), example.Reference));
        }

        return new EvaluationResult(new Dictionary<string, double> { [MetricNames.ExactMatch] = ExactMatch.Score(pairs, stopId) });
    }
}
