using TorchSharp;
using TuneOperator.Trainer.Checkpoints;
using TuneOperator.Trainer.Evaluation;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Training;

[Collection(SerialTorchCollection.Name)]
public sealed class TrainingLoopTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "loop-tests-" + Guid.NewGuid().ToString("N"));

    public TrainingLoopTests() => TorchRuntime.Initialize(2);

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_tiny_classifier_reaches_95_percent_accuracy()
    {
        manual_seed(1);
        var model = new TinyClassifier(vocabulary: 20, width: 16, classes: 3, dropoutRate: 0.1);
        var train = new InMemoryBatchSource(SyntheticData.Markers(240, 6, 20, seed: 1), batchSize: 16, seed: 3);
        var validation = new InMemoryBatchSource(SyntheticData.Markers(120, 6, 20, seed: 2), batchSize: 32, shuffle: false);
        var events = new RecordingEvents();

        var result = new TrainingLoop().Run(
            new TrainingRun
            {
                Model = model,
                Objective = new ClassificationObjective(),
                Data = train,
                Options = new TrainingOptions { Epochs = 12, LearningRate = 0.02, WarmupSteps = 5, EvaluationEverySteps = 60 },
                Evaluators = [new ClassificationEvaluator(validation, 3)],
                Events = events,
            },
            resumeFrom: null,
            TestContext.Current.CancellationToken);

        Assert.Equal(StopReason.Completed, result.Reason);
        Assert.Equal(180, result.Step);
        Assert.True(result.Metrics[MetricNames.EvalAccuracy] >= 0.95, $"accuracy {result.Metrics[MetricNames.EvalAccuracy]}");
        var report = events.Events.OfType<EvaluationCompleted>().Last().Classification!;
        Assert.Equal(120, report.ConfusionMatrix.Sum(row => row.Sum()));
        Assert.Equal(3, report.PerClass.Count);
        var progress = events.Events.OfType<StepCompleted>().ToList();
        Assert.Equal(180, progress.Count);
        Assert.Equal(Enumerable.Range(1, 180), progress.Select(p => p.Step));
        Assert.All(progress, p => Assert.Equal(180, p.TotalSteps));
        Assert.Equal(12.0, progress[^1].Epoch, 6);
        Assert.True(progress[^1].TokensPerSecond > 0);
        Assert.Equal(TimeSpan.Zero, progress[^1].Eta);
    }

    [Fact]
    public void A_tiny_language_model_learns_a_synthetic_mapping()
    {
        manual_seed(2);
        var model = new TinyLanguageModel(vocabulary: 16, width: 32);
        var data = new InMemoryBatchSource(SyntheticData.Counting(64, 8, 16, seed: 4, step: 3), batchSize: 8, seed: 5);

        var result = new TrainingLoop().Run(
            new TrainingRun
            {
                Model = model,
                Objective = new CausalLanguageModelObjective(),
                Data = data,
                Options = new TrainingOptions { MaxSteps = 150, LearningRate = 0.02, Schedule = ScheduleKind.Linear, WarmupSteps = 10 },
            },
            resumeFrom: null,
            TestContext.Current.CancellationToken);

        var first = result.Losses[0].Loss;
        var last = result.Losses.TakeLast(5).Average(l => l.Loss);
        Assert.True(first > 2.0, $"initial loss {first}");
        Assert.True(last < first * 0.1, $"loss fell only from {first} to {last}");
    }

    [Fact]
    public void Response_only_training_takes_exact_match_from_near_zero_to_90_percent()
    {
        manual_seed(3);
        const int Vocabulary = 14;
        var model = new TinyLanguageModel(Vocabulary, width: 32);
        var (train, generation) = SyntheticData.Instructions(200, Vocabulary, seed: 6);
        var evaluator = new ExactMatchEvaluator(generation.Take(40).ToList(), maxNewTokens: 4, stopId: 3);
        var before = evaluator.Evaluate(model, TestContext.Current.CancellationToken).Metrics[MetricNames.ExactMatch];

        var result = new TrainingLoop().Run(
            new TrainingRun
            {
                Model = model,
                Objective = new CausalLanguageModelObjective(),
                Data = new InMemoryBatchSource(train, batchSize: 16, seed: 7),
                Options = new TrainingOptions { MaxSteps = 160, LearningRate = 0.03, WarmupSteps = 10 },
                Evaluators = [evaluator],
            },
            resumeFrom: null,
            TestContext.Current.CancellationToken);

        Assert.True(before <= 0.1, $"exact match before training {before}");
        Assert.True(result.Metrics[MetricNames.ExactMatch] >= 0.9, $"exact match after training {result.Metrics[MetricNames.ExactMatch]}");
    }

    [Fact]
    public void Accumulating_two_micro_batches_of_two_equals_one_batch_of_four()
    {
        // Sequences of different lengths give micro-batches with different numbers of targets: only dividing by
        // the targets of the whole step makes the accumulated gradient equal the big batch's.
        var examples = new List<SequenceExample>
        {
            SequenceExample.ForLanguageModel([1, 2, 3, 4, 5, 6, 7, 8]),
            SequenceExample.ForLanguageModel([2, 3]),
            SequenceExample.ForLanguageModel([3, 4, 5]),
            SequenceExample.ForLanguageModel([4, 5, 6, 7, 8, 9, 1, 2, 3, 4]),
        };

        Dictionary<string, float[]> Train(int batchSize, int accumulation)
        {
            manual_seed(11);
            var model = new TinyLanguageModel(10, 8);
            new TrainingLoop().Run(
                new TrainingRun
                {
                    Model = model,
                    Objective = new CausalLanguageModelObjective(),
                    Data = new InMemoryBatchSource(examples, batchSize, shuffle: false),
                    Options = new TrainingOptions { MaxSteps = 3, GradientAccumulationSteps = accumulation, LearningRate = 0.01, MaxGradNorm = 0, Schedule = ScheduleKind.Constant },
                },
                resumeFrom: null,
                TestContext.Current.CancellationToken);
            return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
        }

        var single = Train(4, 1);
        var accumulated = Train(2, 2);

        foreach (var (name, values) in single)
        {
            Assert.Equal(values, accumulated[name], new FloatTolerance(1e-5f));
        }
    }

    [Fact]
    public void Early_stopping_ends_a_run_that_stops_improving_and_keeps_the_best_checkpoint()
    {
        manual_seed(4);
        var model = new TinyLanguageModel(10, 8);
        var data = SyntheticData.Counting(16, 6, 10, seed: 8);
        var store = new CheckpointStore(directory);

        var result = new TrainingLoop().Run(
            new TrainingRun
            {
                Model = model,
                Objective = new CausalLanguageModelObjective(),
                Data = new InMemoryBatchSource(data, 4, seed: 9),

                // A vanishing learning rate: the first evaluation sets the best, none of the next improves by minDelta.
                Options = new TrainingOptions { MaxSteps = 100, LearningRate = 1e-9, EvaluationEverySteps = 2, CheckpointEverySteps = 2, KeepLast = 1 },
                Evaluators = [new LossEvaluator(new CausalLanguageModelObjective(), new InMemoryBatchSource(data, 8, shuffle: false))],
                EarlyStopping = new EarlyStopping(MetricNames.EvalLoss, EarlyStoppingMode.Min, patience: 3, minDelta: 0.01),
                Checkpoints = store,
            },
            resumeFrom: null,
            TestContext.Current.CancellationToken);

        Assert.Equal(StopReason.EarlyStopped, result.Reason);
        Assert.Equal(8, result.Step);
        Assert.Equal(2, result.BestCheckpoint!.Step);
        Assert.Equal(MetricNames.EvalLoss, result.BestCheckpoint.MetricName);
        Assert.Equal([2, 8], store.List().Select(c => c.Step));
        Assert.True(store.Verify(store.PathOf(2)).IsValid);
    }

    [Fact]
    public void Cancellation_stops_at_a_step_boundary_and_saves_a_checkpoint()
    {
        manual_seed(5);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var events = new RecordingEvents(e =>
        {
            if (e is StepCompleted { Step: 5 })
            {
                cancellation.Cancel();
            }
        });
        var store = new CheckpointStore(directory);

        var result = new TrainingLoop().Run(
            new TrainingRun
            {
                Model = new BigramModel(10, 4),
                Objective = new CausalLanguageModelObjective(),
                Data = new InMemoryBatchSource(SyntheticData.Counting(8, 5, 10, seed: 1), 2),
                Options = new TrainingOptions { MaxSteps = 50 },
                Checkpoints = store,
                Events = events,
            },
            resumeFrom: null,
            cancellation.Token);

        Assert.Equal(StopReason.Cancelled, result.Reason);
        Assert.Equal(5, result.Step);
        Assert.Equal(5, result.LastCheckpoint!.Step);
        Assert.Equal(5, store.FindLatest()!.Step);
        Assert.Equal(5, TrainingCheckpoint.ReadState(store.PathOf(5)).Step);
    }

    [Fact]
    public async Task Pause_holds_the_loop_between_steps_and_a_checkpoint_can_be_taken_while_paused()
    {
        manual_seed(6);
        var control = new TrainingControl();
        var store = new CheckpointStore(directory);
        Task<CheckpointInfo>? requested = null;
        var stepsWhenRequested = -1;
        var events = new RecordingEvents(e =>
        {
            if (e is StepCompleted { Step: 3 })
            {
                control.Pause();

                // Another thread (the gRPC service) asks for a checkpoint and then resumes the run.
                requested = Task.Run(
                    async () =>
                    {
                        var info = await control.RequestCheckpointAsync();
                        stepsWhenRequested = info.Step;
                        control.Resume();
                        return info;
                    },
                    TestContext.Current.CancellationToken);
            }
        });

        var result = new TrainingLoop().Run(
            new TrainingRun
            {
                Model = new BigramModel(10, 4),
                Objective = new CausalLanguageModelObjective(),
                Data = new InMemoryBatchSource(SyntheticData.Counting(8, 5, 10, seed: 1), 2),
                Options = new TrainingOptions { MaxSteps = 6 },
                Checkpoints = store,
                Control = control,
                Events = events,
            },
            resumeFrom: null,
            TestContext.Current.CancellationToken);

        Assert.Equal(StopReason.Completed, result.Reason);
        Assert.Equal(3, (await requested!).Step);
        Assert.Equal(3, stepsWhenRequested);
        Assert.Equal([3, 6], store.List().Select(c => c.Step));
        Assert.Equal(6, events.Events.OfType<StepCompleted>().Count());
    }

    [Fact]
    public void Bf16_compute_trains_with_fp32_master_weights()
    {
        manual_seed(7);
        var model = new TinyClassifier(vocabulary: 20, width: 16, classes: 3);
        var data = new InMemoryBatchSource(SyntheticData.Markers(64, 6, 20, seed: 3), 16, seed: 1);

        var result = new TrainingLoop().Run(
            new TrainingRun
            {
                Model = model,
                Objective = new ClassificationObjective(),
                Data = data,
                Options = new TrainingOptions { MaxSteps = 40, LearningRate = 0.02, Precision = ComputePrecision.BFloat16 },
            },
            resumeFrom: null,
            TestContext.Current.CancellationToken);

        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.True(result.Losses.TakeLast(5).Average(l => l.Loss) < result.Losses[0].Loss * 0.5);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_every_field_named()
    {
        var error = Assert.Throws<ArgumentException>(() => new TrainingLoop().Run(
            new TrainingRun
            {
                Model = new BigramModel(4, 2),
                Objective = new CausalLanguageModelObjective(),
                Data = new InMemoryBatchSource(SyntheticData.Counting(2, 3, 4, seed: 1), 1),
                Options = new TrainingOptions { MaxSteps = 2, GradientAccumulationSteps = 0, LearningRate = -1, KeepLast = 0 },
            },
            resumeFrom: null,
            TestContext.Current.CancellationToken));

        Assert.Contains("gradientAccumulationSteps", error.Message, StringComparison.Ordinal);
        Assert.Contains("learningRate", error.Message, StringComparison.Ordinal);
        Assert.Contains("checkpoint.keepLast", error.Message, StringComparison.Ordinal);
    }
}
