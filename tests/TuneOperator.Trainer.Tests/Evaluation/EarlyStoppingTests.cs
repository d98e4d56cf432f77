using TuneOperator.Trainer.Evaluation;
using Xunit;

namespace TuneOperator.Trainer.Tests.Evaluation;

public sealed class EarlyStoppingTests
{
    [Fact]
    public void Min_mode_stops_after_patience_evaluations_without_an_improvement_beyond_min_delta()
    {
        var early = new EarlyStopping(MetricNames.EvalLoss, EarlyStoppingMode.Min, patience: 2, minDelta: 0.1);

        Assert.Equal(new EarlyStoppingDecision(true, false), early.Observe(10, 1.0));
        Assert.Equal(new EarlyStoppingDecision(false, false), early.Observe(20, 0.95));
        Assert.Equal(new EarlyStoppingDecision(true, false), early.Observe(30, 0.8));
        Assert.Equal(new EarlyStoppingDecision(false, false), early.Observe(40, 0.85));
        Assert.Equal(new EarlyStoppingDecision(false, true), early.Observe(50, 0.75));
        Assert.Equal(new EarlyStoppingState(0.8, 30, 2), early.State);
    }

    [Fact]
    public void Max_mode_counts_higher_values_as_better()
    {
        var early = new EarlyStopping(MetricNames.EvalAccuracy, EarlyStoppingMode.Max, patience: 1);

        Assert.True(early.Observe(1, 0.5).Improved);
        Assert.True(early.Observe(2, 0.6).Improved);
        Assert.Equal(new EarlyStoppingDecision(false, true), early.Observe(3, 0.6));
        Assert.Equal(2, early.State.BestStep);
    }

    [Fact]
    public void A_restored_state_continues_counting()
    {
        var early = new EarlyStopping(MetricNames.EvalLoss, EarlyStoppingMode.Min, patience: 3) { State = new EarlyStoppingState(0.5, 4, 2) };

        Assert.Equal(new EarlyStoppingDecision(false, true), early.Observe(8, 0.7));
    }

    [Fact]
    public void Bad_settings_name_the_field()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(MetricNames.EvalLoss, EarlyStoppingMode.Min, 0));

        Assert.Contains("earlyStopping.patience", error.Message, StringComparison.Ordinal);
    }
}
