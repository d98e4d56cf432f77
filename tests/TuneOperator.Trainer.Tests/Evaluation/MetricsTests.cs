using TuneOperator.Trainer.Evaluation;
using Xunit;

namespace TuneOperator.Trainer.Tests.Evaluation;

public sealed class MetricsTests
{
    [Fact]
    public void Classification_metrics_match_a_hand_computed_case()
    {
        int[] actual = [0, 0, 1, 1, 2, 2];
        int[] predicted = [0, 1, 1, 1, 0, 2];

        var metrics = ClassificationMetrics.Compute(actual, predicted, 3);

        // Confusion (rows actual, columns predicted): [1 1 0], [0 2 0], [1 0 1].
        Assert.Equal([1, 1, 0], metrics.ConfusionMatrix[0]);
        Assert.Equal([0, 2, 0], metrics.ConfusionMatrix[1]);
        Assert.Equal([1, 0, 1], metrics.ConfusionMatrix[2]);
        Assert.Equal(4.0 / 6, metrics.Accuracy, 12);

        // Class 0: P 1/2, R 1/2, F1 1/2. Class 1: P 2/3, R 1, F1 0.8. Class 2: P 1, R 1/2, F1 2/3.
        Assert.Equal(0.5, metrics.PerClass[0].Precision, 12);
        Assert.Equal(0.5, metrics.PerClass[0].Recall, 12);
        Assert.Equal(0.5, metrics.PerClass[0].F1, 12);
        Assert.Equal(2.0 / 3, metrics.PerClass[1].Precision, 12);
        Assert.Equal(1.0, metrics.PerClass[1].Recall, 12);
        Assert.Equal(0.8, metrics.PerClass[1].F1, 12);
        Assert.Equal(1.0, metrics.PerClass[2].Precision, 12);
        Assert.Equal(0.5, metrics.PerClass[2].Recall, 12);
        Assert.Equal(2.0 / 3, metrics.PerClass[2].F1, 12);
        Assert.Equal([2, 2, 2], metrics.PerClass.Select(c => c.Support));
        Assert.Equal((0.5 + (2.0 / 3) + 1) / 3, metrics.MacroPrecision, 12);
        Assert.Equal((0.5 + 1 + 0.5) / 3, metrics.MacroRecall, 12);
        Assert.Equal((0.5 + 0.8 + (2.0 / 3)) / 3, metrics.MacroF1, 12);
    }

    [Fact]
    public void A_class_never_predicted_or_never_present_scores_zero_and_still_counts_in_the_macro_average()
    {
        var metrics = ClassificationMetrics.Compute([0, 0, 1], [0, 0, 0], 3);

        Assert.Equal(2.0 / 3, metrics.PerClass[0].Precision, 12);
        Assert.Equal(1.0, metrics.PerClass[0].Recall, 12);
        Assert.Equal(0.8, metrics.PerClass[0].F1, 12);
        Assert.Equal(0, metrics.PerClass[1].F1);
        Assert.Equal(0, metrics.PerClass[2].F1);
        Assert.Equal(0, metrics.PerClass[2].Support);
        Assert.Equal(0.8 / 3, metrics.MacroF1, 12);
    }

    [Fact]
    public void Out_of_range_classes_are_rejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationMetrics.Compute([0, 3], [0, 0], 3));

        Assert.Contains("Example 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Perplexity_is_the_exponential_of_the_mean_loss()
    {
        Assert.Equal(4.0, Perplexity.FromMeanLoss(Math.Log(4)), 12);
        Assert.Equal(2.0, Perplexity.FromLossSum(3 * Math.Log(2), 3), 12);
        Assert.Equal(1.0, Perplexity.FromMeanLoss(0), 12);
    }

    [Fact]
    public void Exact_match_compares_whole_answers_up_to_the_stop_id()
    {
        Assert.True(ExactMatch.Matches([5, 6], [5, 6]));
        Assert.True(ExactMatch.Matches([5, 6, 0, 9], [5, 6], stopId: 0));
        Assert.False(ExactMatch.Matches([5], [5, 6]));
        Assert.False(ExactMatch.Matches([5, 6, 7], [5, 6]));

        var score = ExactMatch.Score(
        [
            ([1, 2], [1, 2]),
            ([1, 2, 0], [1, 2]),
            ([1], [1, 2]),
            ([3, 2], [1, 2]),
        ],
            stopId: 0);
        Assert.Equal(0.5, score, 12);
    }
}
