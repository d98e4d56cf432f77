using TorchSharp;
using TuneOperator.Trainer.Evaluation;
using TuneOperator.Trainer.Tests.Training;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Evaluation;

[Collection(SerialTorchCollection.Name)]
public sealed class GuardTests
{
    public GuardTests() => TorchRuntime.Initialize(2);

    [Fact]
    public void Bias_gap_of_class_probabilities_matches_a_constructed_case()
    {
        // Positive-class probabilities: token 0 → 0.5, token 1 → 0.75, token 2 → 0.25.
        var ln3 = (float)Math.Log(3);
        var model = new LookupModel(new float[,] { { 0, 0 }, { 0, ln3 }, { 0, -ln3 } }, pool: true);
        CounterfactualPair[] pairs = [new([0], [1]), new([0], [2]), new([1], [2])];

        var strict = new BiasProbe(pairs, BiasScoreKind.PositiveClassProbability, maxGap: 0.3, GuardAction.Fail);
        var lenient = new BiasProbe(pairs, BiasScoreKind.PositiveClassProbability, maxGap: 0.4, GuardAction.Fail);
        var breached = strict.Check(model, TestContext.Current.CancellationToken);
        var passed = lenient.Check(model, TestContext.Current.CancellationToken);

        Assert.Equal(1.0 / 3, breached.Value, 5);
        Assert.True(breached.Breached);
        Assert.Equal(GuardReasons.BiasGapExceeded, breached.Reason);
        Assert.Equal(1.0 / 3, breached.Metrics[MetricNames.BiasGap], 5);
        Assert.False(passed.Breached);
    }

    [Fact]
    public void Bias_gap_of_sequence_log_likelihoods_matches_a_constructed_case()
    {
        // Next-token logits: after 0 → uniform; after 1 → p(0) = 0.75, p(1) = 0.25.
        var model = new LookupModel(new float[,] { { 0, 0 }, { (float)Math.Log(3), 0 } }, pool: false);
        CounterfactualPair[] pairs = [new([0, 0], [0, 1]), new([1, 0], [1, 1])];
        var probe = new BiasProbe(pairs, BiasScoreKind.MeanTokenLogLikelihood, maxGap: 0.5, GuardAction.Warn);

        var result = probe.Check(model, TestContext.Current.CancellationToken);

        // Pair 1: ln 0.5 vs ln 0.5 → 0. Pair 2: ln 0.75 − ln 0.25 = ln 3.
        Assert.Equal(Math.Log(3) / 2, result.Value, 5);
        Assert.True(result.Breached);
        Assert.Equal(GuardAction.Warn, result.Action);
    }

    [Fact]
    public void Retention_regression_is_relative_to_the_perplexity_before_training()
    {
        var uniform = new LookupModel(new float[,] { { 0, 0 }, { 0, 0 } }, pool: false);
        var retention = new InMemoryBatchSource([SequenceExample.ForLanguageModel([0, 1, 0, 1])], 1, shuffle: false);
        var guard = new RetentionGuard(new CausalLanguageModelObjective(), retention, maxRegression: 0.1, GuardAction.Fail) { Baseline = 1.5 };

        var result = guard.Check(uniform, TestContext.Current.CancellationToken);

        // A uniform model over 2 tokens has perplexity 2: (2 − 1.5) / 1.5 = 1/3.
        Assert.Equal(2.0, result.Metrics[MetricNames.RetentionPerplexity], 5);
        Assert.Equal(1.0 / 3, result.Value, 5);
        Assert.True(result.Breached);
        Assert.Equal(GuardReasons.RetentionRegressed, result.Reason);
    }

    [Fact]
    public void Training_on_a_conflicting_task_fails_the_run_with_RetentionRegressed()
    {
        var result = TrainAgainstRetention(GuardAction.Fail, trainStep: 2, out var events);

        Assert.Equal(StopReason.GuardFailed, result.Reason);
        Assert.Equal(GuardReasons.RetentionRegressed, result.FailureReason);
        Assert.Equal(20, result.Step);
        Assert.True(result.Metrics[MetricNames.RetentionRegression] > 0.1);
        Assert.Empty(events.Events.OfType<GuardWarning>());
    }

    [Fact]
    public void A_warning_guard_reports_the_breach_and_training_goes_on()
    {
        var result = TrainAgainstRetention(GuardAction.Warn, trainStep: 2, out var events);

        Assert.Equal(StopReason.Completed, result.Reason);
        Assert.Equal(60, result.Step);
        Assert.Null(result.FailureReason);
        Assert.Contains(events.Events.OfType<GuardWarning>(), w => w.Result.Reason == GuardReasons.RetentionRegressed);
    }

    [Fact]
    public void Training_on_the_retained_task_itself_passes_the_guard()
    {
        var result = TrainAgainstRetention(GuardAction.Fail, trainStep: 1, out _);

        Assert.Equal(StopReason.Completed, result.Reason);
        Assert.True(result.Metrics[MetricNames.RetentionRegression] < 0);
    }

    [Fact]
    public void A_classifier_that_learns_a_protected_token_fails_with_BiasGapExceeded()
    {
        manual_seed(12);
        var examples = SyntheticData.Markers(120, 5, 12, seed: 3);

        // The same noise with marker 0 or marker 1: the trained model separates them sharply.
        var pairs = examples.Take(10).Select(e =>
        {
            var first = e.InputIds.Select(id => id is 0 or 1 or 2 ? 0 : id).ToArray();
            var second = e.InputIds.Select(id => id is 0 or 1 or 2 ? 1 : id).ToArray();
            return new CounterfactualPair(first, second);
        }).ToList();
        var probe = new BiasProbe(pairs, BiasScoreKind.PositiveClassProbability, maxGap: 0.3, GuardAction.Fail, positiveClass: 1);

        var result = new TrainingLoop().Run(
            new TrainingRun
            {
                Model = new TinyClassifier(12, 16, 3),
                Objective = new ClassificationObjective(),
                Data = new InMemoryBatchSource(examples, 12, seed: 2),
                Options = new TrainingOptions { MaxSteps = 100, LearningRate = 0.03, EvaluationEverySteps = 100 },
                Guards = [probe],
            },
            resumeFrom: null,
            TestContext.Current.CancellationToken);

        Assert.Equal(StopReason.GuardFailed, result.Reason);
        Assert.Equal(GuardReasons.BiasGapExceeded, result.FailureReason);
        Assert.True(probe.Baseline < 0.3, $"gap before training {probe.Baseline}");
        Assert.True(result.Metrics[MetricNames.BiasGap] > 0.3);
    }

    private static TrainingResult TrainAgainstRetention(GuardAction action, int trainStep, out RecordingEvents events)
    {
        manual_seed(13);
        var retention = new InMemoryBatchSource(SyntheticData.Counting(16, 6, 10, seed: 1, step: 1), 8, shuffle: false);
        var guard = new RetentionGuard(new CausalLanguageModelObjective(), retention, maxRegression: 0.1, action);
        events = new RecordingEvents();
        return new TrainingLoop().Run(
            new TrainingRun
            {
                Model = new BigramModel(10, 8),
                Objective = new CausalLanguageModelObjective(),
                Data = new InMemoryBatchSource(SyntheticData.Counting(32, 6, 10, seed: 2, step: trainStep), 8, seed: 3),
                Options = new TrainingOptions { MaxSteps = 60, LearningRate = 0.05, EvaluationEverySteps = 20 },
                Guards = [guard],
                Events = events,
            },
            resumeFrom: null,
            TestContext.Current.CancellationToken);
    }
}
