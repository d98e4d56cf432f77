using TuneOperator.Api;
using TuneOperator.Protos;
using TuneOperator.Trainer.Control;
using TuneOperator.Trainer.Evaluation;
using MetricNames = TuneOperator.Trainer.Evaluation.MetricNames;
using TuneOperator.Trainer.Export;
using TuneOperator.Trainer.Models;
using TuneOperator.Trainer.Tests.Training;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Engine;

[Collection(SerialTorchCollection.Name)]
public sealed class EngineTrainingRunnerTests : IDisposable
{
    private readonly EngineTestKit kit = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => kit.Dispose();

    [Fact]
    public async Task A_sentiment_classifier_with_frozen_layers_reaches_95_percent_accuracy()
    {
        var spec = kit.Plan(kit.WriteSentiment("train.jsonl", 400, seed: 1), DatasetFormat.Classification, kit.PathOf("out"));
        spec.Dataset.Validation = kit.WriteSentiment("validation.jsonl", 100, seed: 2);
        spec.Objective = new ObjectiveSpec { Type = ObjectiveType.Classification, Classification = new ClassificationSpec { Labels = ["negative", "positive"] } };
        spec.Method = new MethodSpec { Type = MethodType.Freeze, Freeze = new FreezeSpec { Layers = 1, Embeddings = false } };
        spec.Hyperparameters.MaxSteps = 120;
        spec.Evaluation = new EvaluationSpec { EverySteps = 40 };
        var reporter = new RecordingReporter();

        var outcome = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), new TrainingControl(), reporter, Ct);

        var accuracy = outcome.Completed!.FinalMetrics[MetricNames.EvalAccuracy];
        Assert.True(accuracy >= 0.95, $"accuracy {accuracy}");
        Assert.Contains(MetricNames.EvalF1, outcome.Completed.FinalMetrics.Keys);
        using var loaded = ModelLoader.Load(kit.PathOf("out"));
        Assert.IsType<SequenceClassificationModel>(loaded);
    }

    [Fact]
    public async Task A_lora_run_exports_a_peft_adapter_and_a_merged_model_that_load_back_to_the_same_logits()
    {
        var baseDirectory = kit.PathOf("base");
        var baseSpec = kit.Plan(kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(3).Take(64)), DatasetFormat.Chat, baseDirectory);
        baseSpec.Hyperparameters.MaxSteps = 3;
        Assert.NotNull((await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(baseSpec), new TrainingControl(), new RecordingReporter(), Ct)).Completed);

        FineTuneJobSpec LoraPlan(OutputFormat format, string output)
        {
            var spec = kit.Plan(kit.PathOf("train.jsonl"), DatasetFormat.Chat, output);
            spec.Model = new ModelSpec { Source = "file://" + baseDirectory };
            spec.Method = new MethodSpec { Type = MethodType.Lora, Lora = new LoraSpec { Rank = 4, Alpha = 8, Dropout = 0 } };
            spec.Hyperparameters.MaxSteps = 8;
            spec.Output = new OutputSpec { Location = output, Format = format };
            return spec;
        }

        var adapterRun = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(LoraPlan(OutputFormat.Adapter, kit.PathOf("adapter"))), new TrainingControl(), new RecordingReporter(), Ct);
        var mergedRun = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(LoraPlan(OutputFormat.Merged, kit.PathOf("merged"))), new TrainingControl(), new RecordingReporter(), Ct);

        Assert.True(File.Exists(Path.Combine(kit.PathOf("adapter"), ModelExporter.AdapterConfigFileName)));
        Assert.True(File.Exists(Path.Combine(kit.PathOf("adapter"), ModelExporter.AdapterWeightsFileName)));
        Assert.False(File.Exists(Path.Combine(kit.PathOf("adapter"), "model.safetensors")));
        Assert.Equal(adapterRun.Completed!.Lineage.BaseModelDigest, mergedRun.Completed!.Lineage.BaseModelDigest);

        using var withAdapter = ModelLoader.Load(baseDirectory);
        ModelExporter.LoadAdapter(withAdapter, kit.PathOf("adapter"));
        using var merged = ModelLoader.Load(kit.PathOf("merged"));
        using var original = ModelLoader.Load(baseDirectory);
        using var scope = NewDisposeScope();
        var ids = tensor(kit.Tokenizer.Encode("copy a b c", addSpecialTokens: true).Select(i => (long)i).ToArray()).unsqueeze(0);
        withAdapter.eval();
        merged.eval();
        original.eval();
        using (no_grad())
        {
            var adapted = withAdapter.call(ids);
            var mergedLogits = merged.call(ids);
            Assert.True(adapted.allclose(mergedLogits, rtol: 1e-4, atol: 1e-4));
            Assert.False(adapted.allclose(original.call(ids), rtol: 1e-4, atol: 1e-4));
        }
    }

    [Fact]
    public async Task A_run_stopped_at_a_checkpoint_and_resumed_gives_the_same_losses_and_repeats_no_step()
    {
        var train = kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(3).Take(96));
        FineTuneJobSpec Plan(string name)
        {
            var spec = kit.Plan(train, DatasetFormat.Chat, kit.PathOf(name + "-out"));
            spec.Hyperparameters.MaxSteps = 10;
            spec.Checkpoint = new CheckpointSpec { Location = kit.PathOf(name + "-checkpoints"), EverySteps = 100, KeepLast = 2 };
            return spec;
        }

        var whole = new RecordingReporter();
        Assert.NotNull((await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(Plan("whole")), new TrainingControl(), whole, Ct)).Completed);

        var control = new TrainingControl();
        var first = new RecordingReporter((_, report) =>
        {
            if (report is Progress { Step: 4 })
            {
                control.Stop(graceful: true);
            }
        });
        var stopped = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(Plan("split")), control, first, Ct);
        Assert.True(stopped.Stopped);
        var checkpoint = Assert.Single(first.Checkpoints);
        Assert.Equal(4, checkpoint.Step);
        Assert.NotEmpty(checkpoint.Sha256);

        var second = new RecordingReporter();
        var resumed = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(Plan("split"), resumeFrom: checkpoint.Path), new TrainingControl(), second, Ct);

        Assert.NotNull(resumed.Completed);
        Assert.Equal(Enumerable.Range(5, 6).Select(s => (long)s), second.Progresses.Select(p => p.Step));
        var split = first.Progresses.Concat(second.Progresses).Select(p => p.Loss).ToList();
        var uninterrupted = whole.Progresses.Select(p => p.Loss).ToList();
        Assert.Equal(uninterrupted.Count, split.Count);
        for (var i = 0; i < split.Count; i++)
        {
            Assert.True(Math.Abs(uninterrupted[i] - split[i]) <= 1e-5, $"step {i + 1}: {uninterrupted[i]} vs {split[i]}");
        }
    }

    [Fact]
    public async Task A_later_attempt_started_without_resumeFrom_continues_from_the_newest_complete_checkpoint()
    {
        // The operator can miss the last checkpoint (a trainer checkpointing on SIGTERM after its event stream closed):
        // attempt 2 then starts without resumeFrom and must not train again from step 1.
        var train = kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(3).Take(96));
        var spec = kit.Plan(train, DatasetFormat.Chat, kit.PathOf("retry-out"));
        spec.Hyperparameters.MaxSteps = 8;
        spec.Checkpoint = new CheckpointSpec { Location = kit.PathOf("retry-checkpoints"), EverySteps = 100, KeepLast = 2 };

        var control = new TrainingControl();
        var first = new RecordingReporter((_, report) =>
        {
            if (report is Progress { Step: 3 })
            {
                control.Stop(graceful: true);
            }
        });
        Assert.True((await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), control, first, Ct)).Stopped);
        Assert.Equal(3, Assert.Single(first.Checkpoints).Step);

        var second = new RecordingReporter();
        var retried = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec, attempt: 2), new TrainingControl(), second, Ct);

        Assert.NotNull(retried.Completed);
        Assert.Equal(Enumerable.Range(4, 5).Select(s => (long)s), second.Progresses.Select(p => p.Step));
        // The checkpoint it resumed from is reported first, so the job's status lists it.
        Assert.Equal(first.Checkpoints[0].Path, second.Checkpoints[0].Path);
        Assert.Equal(first.Checkpoints[0].Sha256, second.Checkpoints[0].Sha256);
        Assert.True(second.Reports.ToList().IndexOf(second.Checkpoints[0]) < second.Reports.ToList().IndexOf(second.Progresses[0]));
    }

    [Fact]
    public async Task Checkpoints_inside_the_output_survive_a_crashed_export_and_the_export_after_the_resume()
    {
        // checkpoint.location inside the output, but not the default folder; the user keeps a file there too.
        var train = kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(3).Take(96));
        var output = kit.PathOf("shared-out");
        var spec = kit.Plan(train, DatasetFormat.Chat, output);
        spec.Hyperparameters.MaxSteps = 6;
        spec.Checkpoint = new CheckpointSpec { Location = output + "/runs/a", EverySteps = 100, KeepLast = 2 };
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");

        var control = new TrainingControl();
        var first = new RecordingReporter((_, report) =>
        {
            if (report is Progress { Step: 3 })
            {
                control.Stop(graceful: true);
            }
        });
        Assert.True((await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), control, first, Ct)).Stopped);
        var checkpoint = Assert.Single(first.Checkpoints);
        Assert.Matches("^sha256:[0-9a-f]{64}$", checkpoint.Sha256);

        // The earlier version's export crashed between its two renames: the output, checkpoints and all, sits in
        // ".shared-out.old-<id>" and a staged model in ".shared-out.tmp-<id>".
        Directory.Move(output, kit.PathOf(".shared-out.old-0123"));
        Directory.CreateDirectory(kit.PathOf(".shared-out.tmp-4567"));
        File.WriteAllText(Path.Combine(kit.PathOf(".shared-out.tmp-4567"), "config.json"), "{}");

        var second = new RecordingReporter();
        var resumed = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec, resumeFrom: checkpoint.Path, attempt: 2), new TrainingControl(), second, Ct);

        Assert.NotNull(resumed.Completed);
        Assert.Equal(Enumerable.Range(4, 3).Select(s => (long)s), second.Progresses.Select(p => p.Step));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "notes.txt")));
        Assert.True(new TuneOperator.Trainer.Checkpoints.CheckpointStore(output + "/runs/a").Verify(checkpoint.Path).IsValid);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        Assert.Equal(TuneOperator.Trainer.Engine.ContentDigest.OfDirectory(output, Ct), resumed.Completed.OutputDigest);
        // Nothing is left beside the output, and in it the export's files sit beside exactly what was kept.
        Assert.Equal(["shared-out"], Directory.EnumerateFileSystemEntries(kit.Root).Select(Path.GetFileName).Where(name => name!.Contains("shared-out", StringComparison.Ordinal)));
        Assert.Equal(["notes.txt", "runs"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName).Where(name => !ExportDirectory.IsOwned(name!)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_malformed_dataset_fails_permanently_with_InvalidDataset_naming_the_line()
    {
        var valid = File.ReadAllLines(kit.WriteChats("valid.jsonl", EngineTestKit.CopyRows(3).Take(2)));
        var train = kit.WriteLines("train.jsonl", [.. valid, "{not json", "{\"messages\": 3}"]);
        var spec = kit.Plan(train, DatasetFormat.Chat, kit.PathOf("out"));
        spec.Dataset.Preprocessing = new PreprocessingSpec { DropMalformed = false };

        var failure = await Assert.ThrowsAsync<TrainingFailedException>(
            () => EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), new TrainingControl(), new RecordingReporter(), Ct));

        Assert.Equal("InvalidDataset", failure.Reason);
        Assert.True(failure.Permanent);
        Assert.Contains("train.jsonl:3", failure.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(kit.PathOf("out")));
    }

    [Fact]
    public async Task Dropped_rows_are_reported_with_the_evaluation_values()
    {
        var rows = File.ReadAllLines(kit.WriteChats("rows.jsonl", EngineTestKit.CopyRows(3).Take(40)));
        var train = kit.WriteLines("train.jsonl", [.. rows, "{broken", "[]"]);
        var spec = kit.Plan(train, DatasetFormat.Chat, kit.PathOf("out"));
        spec.Dataset.ValidationSplit = 0.2;
        spec.Hyperparameters.MaxSteps = 2;
        var reporter = new RecordingReporter();

        var outcome = await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), new TrainingControl(), reporter, Ct);

        Assert.Equal(2, reporter.Evals[^1].Values["droppedRows_malformed"]);
        Assert.Equal(2, outcome.Completed!.FinalMetrics["droppedRows_malformed"]);
    }

    [Fact]
    public async Task A_retention_breach_fails_the_run_with_RetentionRegressed()
    {
        var spec = kit.Plan(kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(3).Take(96)), DatasetFormat.Chat, kit.PathOf("out"));
        var digits = string.Join(' ', Enumerable.Range(0, 40).Select(i => (i * 7 % 10).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var retention = kit.WriteChats("retention.jsonl", Enumerable.Range(0, 8).Select(i => ($"{i} {digits}", digits)));
        spec.Hyperparameters.MaxSteps = 30;
        spec.Evaluation = new EvaluationSpec { EverySteps = 10, Retention = new RetentionSpec { Dataset = retention, MaxRegression = 0.05 } };

        var failure = await Assert.ThrowsAsync<TrainingFailedException>(
            () => EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), new TrainingControl(), new RecordingReporter(), Ct));

        Assert.Equal(GuardReasons.RetentionRegressed, failure.Reason);
        Assert.True(failure.Permanent);
        // No model is published; only the default checkpoint folder (<output>/checkpoints) may exist.
        var published = Directory.Exists(kit.PathOf("out")) ? Directory.EnumerateFileSystemEntries(kit.PathOf("out")).Select(Path.GetFileName) : [];
        Assert.All(published, name => Assert.Equal("checkpoints", name));
    }

    [Fact]
    public async Task A_plan_without_a_model_fails_with_InvalidPlan_naming_the_field()
    {
        var spec = kit.Plan(kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(3).Take(8)), DatasetFormat.Chat, kit.PathOf("out"));
        spec.Model = new ModelSpec { FromJob = "earlier" };

        var failure = await Assert.ThrowsAsync<TrainingFailedException>(
            () => EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), new TrainingControl(), new RecordingReporter(), Ct));

        Assert.Equal("InvalidPlan", failure.Reason);
        Assert.True(failure.Permanent);
        Assert.Contains("model.fromJob", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_model_directory_fails_with_ModelLoadFailed()
    {
        var spec = kit.Plan(kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(3).Take(8)), DatasetFormat.Chat, kit.PathOf("out"));
        spec.Model = new ModelSpec { Source = "file://" + kit.PathOf("no-such-model") };

        var failure = await Assert.ThrowsAsync<TrainingFailedException>(
            () => EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), new TrainingControl(), new RecordingReporter(), Ct));

        Assert.Equal("ModelLoadFailed", failure.Reason);
        Assert.True(failure.Permanent);
    }
}
