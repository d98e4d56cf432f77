using TorchSharp;
using TuneOperator.Trainer.Checkpoints;
using TuneOperator.Trainer.Evaluation;
using TuneOperator.Trainer.Tests.Training;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Checkpoints;

[Collection(SerialTorchCollection.Name)]
public sealed class ExactResumeTests : IDisposable
{
    private const int TotalSteps = 14;
    private readonly string root = Path.Combine(Path.GetTempPath(), "resume-tests-" + Guid.NewGuid().ToString("N"));

    public ExactResumeTests() => TorchRuntime.Initialize(2);

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_run_killed_mid_way_and_resumed_repeats_the_uninterrupted_loss_curve()
    {
        var uninterrupted = Run(store: null, resumeFrom: null, killAtStep: null, out _);

        // Killed (an exception out of the loop) at step 10: the newest checkpoint is the one of step 9, written
        // because the evaluation at step 9 improved (periodic ones are at 4 and 8).
        var store = new CheckpointStore(Path.Combine(root, "killed"));
        Assert.Throws<SimulatedCrashException>(() => Run(store, resumeFrom: null, killAtStep: 10, out _));
        var latest = store.FindLatest()!;
        Assert.Equal(9, latest.Step);

        var resumed = Run(store, latest, killAtStep: null, out var early);

        Assert.Equal(Enumerable.Range(10, TotalSteps - 9), resumed.Losses.Select(l => l.Step));
        var expected = uninterrupted.Losses.Where(l => l.Step > 9).Select(l => l.Loss).ToList();
        var actual = resumed.Losses.Select(l => l.Loss).ToList();
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"step {10 + i}: {expected[i]} uninterrupted, {actual[i]} resumed");
        }

        Assert.Equal(uninterrupted.Metrics[MetricNames.EvalLoss], resumed.Metrics[MetricNames.EvalLoss], 5);
        Assert.Equal(TotalSteps, resumed.Step);
        Assert.NotNull(early.State.BestStep);
    }

    [Fact]
    public void A_cooperative_stop_resumes_from_the_step_it_stopped_at()
    {
        var uninterrupted = Run(store: null, resumeFrom: null, killAtStep: null, out _);
        var store = new CheckpointStore(Path.Combine(root, "stopped"));
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var stopped = Run(store, resumeFrom: null, killAtStep: null, out _, stopAtStep: 5, cancellation);
        var resumed = Run(store, store.FindLatest(), killAtStep: null, out _);

        Assert.Equal(StopReason.Cancelled, stopped.Reason);
        Assert.Equal(5, stopped.LastCheckpoint!.Step);
        Assert.Equal(6, resumed.Losses[0].Step);
        var expected = uninterrupted.Losses.Where(l => l.Step > 5).Select(l => l.Loss).ToList();
        Assert.Equal(expected, resumed.Losses.Select(l => l.Loss).ToList(), new DoubleTolerance(1e-5));
    }

    [Fact]
    public void Resuming_into_a_different_model_names_the_missing_tensor()
    {
        var store = new CheckpointStore(Path.Combine(root, "mismatch"));
        Run(store, resumeFrom: null, killAtStep: null, out _);

        var error = Assert.Throws<InvalidDataException>(() => new TrainingLoop().Run(
            new TrainingRun
            {
                Model = new BigramModel(12, 8),
                Objective = new CausalLanguageModelObjective(),
                Data = new InMemoryBatchSource(SyntheticData.Counting(24, 7, 12, seed: 1), 4),
                Options = new TrainingOptions { MaxSteps = TotalSteps },
            },
            store.FindLatest(),
            TestContext.Current.CancellationToken));

        Assert.Contains("embed.weight", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A run with dropout, shuffled data, gradient accumulation, warm-up + cosine, clipping, weight decay, evaluation
    /// and early stopping: everything whose state a checkpoint must carry.
    /// </summary>
    private TrainingResult Run(CheckpointStore? store, CheckpointInfo? resumeFrom, int? killAtStep, out EarlyStopping early, int? stopAtStep = null, CancellationTokenSource? cancellation = null)
    {
        // A resumed model starts from different weights: everything must come from the checkpoint.
        manual_seed(resumeFrom is null ? 21 : 999);
        var model = new TinyLanguageModel(12, 16, dropoutRate: 0.3);
        var data = SyntheticData.Counting(24, 7, 12, seed: 1);
        early = new EarlyStopping(MetricNames.EvalLoss, EarlyStoppingMode.Min, patience: 50);
        var events = new RecordingEvents(e =>
        {
            if (e is StepCompleted step && step.Step == killAtStep)
            {
                throw new SimulatedCrashException();
            }

            if (e is StepCompleted stop && stop.Step == stopAtStep)
            {
                cancellation!.Cancel();
            }
        });
        return new TrainingLoop().Run(
            new TrainingRun
            {
                Model = model,
                Objective = new CausalLanguageModelObjective(),
                Data = new InMemoryBatchSource(data, 4, seed: 17),
                Options = new TrainingOptions
                {
                    MaxSteps = TotalSteps,
                    GradientAccumulationSteps = 2,
                    LearningRate = 0.01,
                    WarmupSteps = 3,
                    Schedule = ScheduleKind.Cosine,
                    MaxGradNorm = 0.5,
                    AdamW = new AdamWOptions(WeightDecay: 0.05),
                    EvaluationEverySteps = 3,
                    CheckpointEverySteps = 4,
                    KeepLast = 2,
                },
                Evaluators = [new LossEvaluator(new CausalLanguageModelObjective(), new InMemoryBatchSource(data.Take(8).ToList(), 8, shuffle: false))],
                EarlyStopping = early,
                Checkpoints = store,
                Events = events,
            },
            resumeFrom,
            cancellation?.Token ?? TestContext.Current.CancellationToken);
    }

    private sealed class SimulatedCrashException : Exception;

    private sealed class DoubleTolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
