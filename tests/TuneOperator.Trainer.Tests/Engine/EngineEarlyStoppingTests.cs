using TuneOperator.Api;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Checkpoints;
using TuneOperator.Trainer.Models;
using TuneOperator.Trainer.Tests.Training;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;
using MetricNames = TuneOperator.Trainer.Evaluation.MetricNames;

namespace TuneOperator.Trainer.Tests.Engine;

/// <summary>
/// Early stopping exports the best evaluation's weights. To make "the metric gets worse after the first evaluation"
/// certain, these runs maximise the evaluation loss (mode max): the loss falls while training, so for early stopping
/// the first evaluation (step 2) is the best and every later one is worse.
/// </summary>
[Collection(SerialTorchCollection.Name)]
public sealed class EngineEarlyStoppingTests : IDisposable
{
    private readonly EngineTestKit kit = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => kit.Dispose();

    [Fact]
    public async Task Early_stopping_exports_the_best_checkpoints_weights_and_reports_its_step()
    {
        var spec = Plan("out");
        spec.Checkpoint = new CheckpointSpec { Location = kit.PathOf("checkpoints"), KeepLast = 1 };
        var reporter = new RecordingReporter();

        var outcome = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), new TrainingControl(), reporter, Ct);

        var completed = outcome.Completed!;
        Assert.Equal(nameof(StopReason.EarlyStopped), completed.Reason);
        Assert.Equal(2, completed.FinalMetrics[MetricNames.BestStep]);
        Assert.Equal(reporter.Evals.Single(e => e.Step == 2).Values[MetricNames.EvalLoss], completed.FinalMetrics[MetricNames.EvalLoss]);
        var best = new CheckpointStore(kit.PathOf("checkpoints")).List().Single(c => c.Step == 2);
        var last = new CheckpointStore(kit.PathOf("checkpoints")).List().Max(c => c.Step);
        Assert.Equal(6, last);
        using var scope = NewDisposeScope();
        var exported = SafetensorsTensors.ReadFile(Path.Combine(kit.PathOf("out"), SafetensorsCheckpoint.SingleFileName));
        AssertSameWeights(SafetensorsTensors.ReadFile(Path.Combine(best.Path, TrainingCheckpoint.ModelFile)), exported);
        var lastWeights = SafetensorsTensors.ReadFile(Path.Combine(new CheckpointStore(kit.PathOf("checkpoints")).PathOf(last), TrainingCheckpoint.ModelFile));
        Assert.Contains(exported, pair => !pair.Value.allclose(lastWeights[pair.Key], rtol: 0, atol: 0));
    }

    [Fact]
    public async Task Without_a_checkpoint_location_the_best_weights_are_kept_in_memory_and_exported()
    {
        var stopped = Plan("stopped");
        var outcome = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(stopped), new TrainingControl(), new RecordingReporter(), Ct);
        Assert.Equal(2, outcome.Completed!.FinalMetrics[MetricNames.BestStep]);

        var twoSteps = Plan("two-steps");
        twoSteps.Evaluation = null;
        twoSteps.Hyperparameters.MaxSteps = 2;
        await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(twoSteps), new TrainingControl(), new RecordingReporter(), Ct);

        using var scope = NewDisposeScope();
        AssertSameWeights(
            SafetensorsTensors.ReadFile(Path.Combine(kit.PathOf("two-steps"), SafetensorsCheckpoint.SingleFileName)),
            SafetensorsTensors.ReadFile(Path.Combine(kit.PathOf("stopped"), SafetensorsCheckpoint.SingleFileName)));
    }

    private FineTuneJobSpec Plan(string output)
    {
        var rows = EngineTestKit.CopyRows(4);
        var spec = kit.Plan(kit.WriteChats("train.jsonl", rows.Take(64)), DatasetFormat.Chat, kit.PathOf(output));
        spec.Dataset.Validation = kit.WriteChats("validation.jsonl", rows.Skip(64).Take(8));
        spec.Hyperparameters.MaxSteps = 40;
        spec.Hyperparameters.WarmupSteps = 0;
        spec.Hyperparameters.Scheduler = LearningRateScheduler.Constant;
        spec.Evaluation = new EvaluationSpec
        {
            EverySteps = 2,
            EarlyStopping = new EarlyStoppingSpec { Metric = EvaluationMetric.Loss, Mode = OptimizationMode.Max, Patience = 2 },
        };
        return spec;
    }

    private static void AssertSameWeights(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.NotEmpty(actual);
        foreach (var (name, value) in actual)
        {
            Assert.True(expected.TryGetValue(name, out var reference), $"'{name}' is missing from the reference weights");
            Assert.True(value.allclose(reference, rtol: 0, atol: 0), $"'{name}' differs from the reference weights");
        }
    }
}
