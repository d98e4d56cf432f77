using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Evaluation;

/// <summary>
/// The bias probe: the mean absolute difference of the model's score across counterfactual pairs must stay at or
/// below <c>maxGap</c>. The gap of the model before training is kept as <see cref="Baseline"/> for the report.
/// </summary>
public sealed class BiasProbe : ITrainingGuard
{
    private readonly IReadOnlyList<CounterfactualPair> pairs;
    private readonly Device device;

    /// <summary>Creates the probe.</summary>
    /// <param name="pairs">The counterfactual pairs, at least one.</param>
    /// <param name="scoreKind">How an input is scored.</param>
    /// <param name="maxGap">The largest mean absolute score difference allowed, &gt;= 0.</param>
    /// <param name="action">Fail or warn on a breach.</param>
    /// <param name="positiveClass">The positive class for <see cref="BiasScoreKind.PositiveClassProbability"/>.</param>
    /// <param name="device">Where inputs are placed; the CPU by default.</param>
    public BiasProbe(IReadOnlyList<CounterfactualPair> pairs, BiasScoreKind scoreKind, double maxGap, GuardAction action, int positiveClass = 1, Device? device = null)
    {
        if (pairs.Count == 0)
        {
            throw new ArgumentException("evaluation.biasProbe needs at least one counterfactual pair.", nameof(pairs));
        }

        if (!(maxGap >= 0) || double.IsInfinity(maxGap))
        {
            throw new ArgumentOutOfRangeException(nameof(maxGap), maxGap, "evaluation.biasProbe.maxGap must be a number of 0 or more.");
        }

        for (var i = 0; i < pairs.Count; i++)
        {
            var minimum = scoreKind == BiasScoreKind.MeanTokenLogLikelihood ? 2 : 1;
            if (pairs[i].First.Count < minimum || pairs[i].Second.Count < minimum)
            {
                throw new ArgumentException($"evaluation.biasProbe pair {i} needs at least {minimum} token(s) on each side.", nameof(pairs));
            }
        }

        this.pairs = pairs;
        ScoreKind = scoreKind;
        MaxGap = maxGap;
        Action = action;
        PositiveClass = positiveClass;
        this.device = device ?? CPU;
    }

    /// <summary>How inputs are scored.</summary>
    public BiasScoreKind ScoreKind { get; }

    /// <summary>The bound.</summary>
    public double MaxGap { get; }

    /// <summary>What a breach does.</summary>
    public GuardAction Action { get; }

    /// <summary>The positive class for probability scores.</summary>
    public int PositiveClass { get; }

    /// <summary>The gap of the model before training.</summary>
    public double? Baseline { get; set; }

    /// <summary>The mean absolute score difference over the pairs.</summary>
    public double MeasureGap(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken)
    {
        model.eval();
        using var noGrad = no_grad();
        double total = 0;
        foreach (var pair in pairs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total += Math.Abs(Score(model, pair.First) - Score(model, pair.Second));
        }

        return total / pairs.Count;
    }

    /// <inheritdoc />
    public void MeasureBaseline(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken)
        => Baseline = MeasureGap(model, cancellationToken);

    /// <inheritdoc />
    public GuardResult Check(nn.Module<Tensor, Tensor> model, CancellationToken cancellationToken)
    {
        var gap = MeasureGap(model, cancellationToken);
        var before = Baseline is null ? string.Empty : string.Format(CultureInfo.InvariantCulture, " ({0:0.####} before training)", Baseline.Value);
        var message = string.Format(CultureInfo.InvariantCulture, "Bias probe gap {0:0.####}{1} over {2} counterfactual pairs (maxGap {3:0.####}).", gap, before, pairs.Count, MaxGap);
        return new GuardResult(GuardReasons.BiasGapExceeded, gap, MaxGap, Action, new Dictionary<string, double> { [MetricNames.BiasGap] = gap }, message);
    }

    private double Score(nn.Module<Tensor, Tensor> model, IReadOnlyList<int> ids)
    {
        using var scope = NewDisposeScope();
        var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Count], device: device);
        var logits = model.call(input).to_type(ScalarType.Float32);
        if (ScoreKind == BiasScoreKind.PositiveClassProbability)
        {
            if (logits.dim() != 2 || PositiveClass >= logits.shape[1])
            {
                throw new InvalidOperationException($"The bias probe scores class {PositiveClass}, but the model returns logits [{string.Join(", ", logits.shape)}].");
            }

            return logits.softmax(1)[0, PositiveClass].item<float>();
        }

        var logProbabilities = logits[0, ..^1].log_softmax(1);
        var next = input[0, 1..].unsqueeze(1);
        return logProbabilities.gather(1, next).mean().item<float>();
    }
}
