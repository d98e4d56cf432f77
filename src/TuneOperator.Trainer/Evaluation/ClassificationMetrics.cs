namespace TuneOperator.Trainer.Evaluation;

/// <summary>Accuracy, per-class and macro-averaged precision, recall and F1, and the confusion matrix.</summary>
/// <param name="Accuracy">Correct predictions over all predictions.</param>
/// <param name="MacroPrecision">Unweighted mean of the per-class precisions.</param>
/// <param name="MacroRecall">Unweighted mean of the per-class recalls.</param>
/// <param name="MacroF1">Unweighted mean of the per-class F1 scores.</param>
/// <param name="PerClass">One entry per class, in class order.</param>
/// <param name="ConfusionMatrix">
/// <c>ConfusionMatrix[actual][predicted]</c>: how many examples of class <c>actual</c> were predicted as
/// <c>predicted</c>.
/// </param>
public sealed record ClassificationMetrics(
    double Accuracy,
    double MacroPrecision,
    double MacroRecall,
    double MacroF1,
    IReadOnlyList<ClassMetrics> PerClass,
    IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix)
{
    /// <summary>Computes the metrics of <paramref name="predicted"/> against <paramref name="actual"/>.</summary>
    /// <param name="actual">The true class of each example.</param>
    /// <param name="predicted">The predicted class of each example.</param>
    /// <param name="classCount">The number of classes; every class counts in the macro averages, even an absent one.</param>
    public static ClassificationMetrics Compute(IReadOnlyList<int> actual, IReadOnlyList<int> predicted, int classCount)
    {
        if (actual.Count != predicted.Count)
        {
            throw new ArgumentException($"There are {actual.Count} true labels but {predicted.Count} predictions; they must pair up.", nameof(predicted));
        }

        if (actual.Count == 0)
        {
            throw new ArgumentException("Metrics need at least one example.", nameof(actual));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        var matrix = new int[classCount][];
        for (var c = 0; c < classCount; c++)
        {
            matrix[c] = new int[classCount];
        }

        var correct = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            var (a, p) = (actual[i], predicted[i]);
            if (a < 0 || a >= classCount || p < 0 || p >= classCount)
            {
                throw new ArgumentOutOfRangeException(nameof(actual), $"Example {i} has class {a} predicted as {p}; classes must be in [0, {classCount}).");
            }

            matrix[a][p]++;
            if (a == p)
            {
                correct++;
            }
        }

        var perClass = new List<ClassMetrics>(classCount);
        for (var c = 0; c < classCount; c++)
        {
            var truePositives = matrix[c][c];
            var support = matrix[c].Sum();
            var predictedPositives = 0;
            for (var a = 0; a < classCount; a++)
            {
                predictedPositives += matrix[a][c];
            }

            var precision = predictedPositives == 0 ? 0 : (double)truePositives / predictedPositives;
            var recall = support == 0 ? 0 : (double)truePositives / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new ClassMetrics(c, precision, recall, f1, support));
        }

        return new ClassificationMetrics(
            (double)correct / actual.Count,
            perClass.Average(m => m.Precision),
            perClass.Average(m => m.Recall),
            perClass.Average(m => m.F1),
            perClass,
            matrix);
    }
}
