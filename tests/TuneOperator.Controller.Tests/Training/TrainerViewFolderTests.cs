using System.Text.Json.Nodes;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Training;
using TuneOperator.Protos;
using Xunit;

namespace TuneOperator.Controller.Tests.Training;

public sealed class TrainerViewFolderTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TrainerEvent Checkpoint(long sequence, long step, double evalLoss) => new()
    {
        Sequence = sequence,
        CheckpointSaved = new CheckpointInfo { Step = step, Path = "/ckpt/" + step, Sha256 = "sha256:x", Metric = evalLoss, MetricName = "eval_loss" },
    };

    [Fact]
    public void Events_fold_into_progress_metrics_checkpoints_and_the_best_checkpoint_and_replays_change_nothing()
    {
        var view = TrainerView.Seed(1, 0, null);
        view = TrainerViewFolder.Apply(view, new TrainerEvent { Sequence = 1, Progress = new Progress { Step = 25, TotalSteps = 100, Loss = 1.5, LearningRate = 2e-4, EtaSeconds = 60 } }, 2, Now);
        view = TrainerViewFolder.Apply(view, Checkpoint(2, 25, 0.9), 2, Now);
        view = TrainerViewFolder.Apply(view, Checkpoint(3, 50, 0.7), 2, Now);
        view = TrainerViewFolder.Apply(view, Checkpoint(4, 75, 0.8), 2, Now);
        view = TrainerViewFolder.Apply(view, new TrainerEvent { Sequence = 5, Eval = new EvalResult { Values = { ["eval_loss"] = 0.8, ["f1_macro"] = 0.6 } } }, 2, Now);
        var replayed = TrainerViewFolder.Apply(view, Checkpoint(3, 999, 0.1), 2, Now);

        Assert.Same(view, replayed);
        Assert.Equal(5, view.LastSequence);
        Assert.Equal(25, view.Progress!.Percent);
        Assert.Equal(Now.AddSeconds(60), view.Progress.Eta);
        Assert.Equal(1.5, view.Metrics[MetricNames.TrainLoss]);
        Assert.Equal(2e-4, view.Metrics[MetricNames.LearningRate]);
        Assert.Equal(0.8, view.Metrics[MetricNames.EvalLoss]);
        Assert.Equal(0.6, view.Metrics["evalF1Macro"]);
        Assert.Equal([50L, 75L], view.Checkpoints.Select(c => c.Step));
        Assert.Equal(50, view.BestCheckpoint!.Step);
    }

    [Fact]
    public void The_step_0_evaluation_is_the_baseline_and_later_evaluations_and_new_attempts_keep_it()
    {
        var view = TrainerView.Seed(1, 0, null);
        view = TrainerViewFolder.Apply(view, new TrainerEvent { Sequence = 1, Eval = new EvalResult { Step = 0, Values = { ["eval_loss"] = 3.0, ["exact_match"] = 0.0 } } }, 2, Now);
        view = TrainerViewFolder.Apply(view, new TrainerEvent { Sequence = 2, Eval = new EvalResult { Step = 50, Values = { ["eval_loss"] = 0.5, ["exact_match"] = 0.9 } } }, 2, Now);

        Assert.Equal(3.0, view.BaselineMetrics![MetricNames.EvalLoss]);
        Assert.Equal(0.0, view.BaselineMetrics["evalExactMatch"]);
        Assert.Equal(0.5, view.Metrics[MetricNames.EvalLoss]);
        Assert.Equal(0.9, view.Metrics["evalExactMatch"]);

        // A resumed attempt starts from the status, which holds the first attempt's baseline.
        var resumed = TrainerView.Seed(2, 0, new FineTuneJobStatus { BaselineMetrics = new() { [MetricNames.EvalLoss] = 3.0 } });
        resumed = TrainerViewFolder.Apply(resumed, new TrainerEvent { Sequence = 1, Eval = new EvalResult { Step = 60, Values = { ["eval_loss"] = 0.4 } } }, 2, Now);
        Assert.Equal(3.0, resumed.BaselineMetrics![MetricNames.EvalLoss]);
        Assert.Equal(0.4, resumed.Metrics[MetricNames.EvalLoss]);
    }

    [Fact]
    public void Completed_and_failed_events_set_the_outcome()
    {
        var completed = TrainerViewFolder.Apply(TrainerView.Seed(2, 0, null), new TrainerEvent
        {
            Sequence = 1,
            Completed = new Completed { OutputPath = "pvc://out/m", OutputDigest = "sha256:d", Reason = "EarlyStopped", Lineage = new Lineage { DatasetDigest = "sha256:ds" } },
        }, 3, Now);
        Assert.True(completed.Completed);
        Assert.Equal("EarlyStopped", completed.CompletedReason);
        Assert.Equal("pvc://out/m", completed.Output!.Path);
        Assert.Equal("sha256:ds", completed.Lineage!.DatasetDigest);

        var failed = TrainerViewFolder.Apply(TrainerView.Seed(2, 0, null), new TrainerEvent { Sequence = 1, Failed = new Failed { Reason = "OutOfMemory", Message = "CUDA OOM" } }, 3, Now);
        Assert.Equal(new TrainerFailure("OutOfMemory", "CUDA OOM", false), failed.Failure);
    }

    [Fact]
    public void The_plan_replaces_from_job_with_the_parents_output_and_makes_locations_local()
    {
        var spec = new FineTuneJobSpec
        {
            Model = new ModelSpec { FromJob = "parent" },
            Dataset = new DatasetSpec { Train = "pvc://data/sub/train.jsonl", Format = DatasetFormat.Instruction },
            Output = new OutputSpec { Location = "file:///tmp/out" },
        };

        var plan = JsonNode.Parse(TrainerPlan.Build(spec, "pvc://results/parent"))!;

        Assert.Equal("/mnt/pvc/results/parent", (string?)plan["model"]!["source"]);
        Assert.Null(plan["model"]!["fromJob"]);
        Assert.Equal("/mnt/pvc/data/sub/train.jsonl", (string?)plan["dataset"]!["train"]);
        Assert.Equal("/tmp/out", (string?)plan["output"]!["location"]);
        var error = Assert.Throws<InvalidOperationException>(() => TrainerPlan.Build(spec, null));
        Assert.Contains("spec.model.fromJob", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resume_from_is_the_newest_checkpoint_with_a_digest()
    {
        var status = new FineTuneJobStatus
        {
            Checkpoints =
            [
                new CheckpointStatus { Step = 10, Path = "/c/10", Sha256 = "sha256:a" },
                new CheckpointStatus { Step = 20, Path = "/c/20", Sha256 = "sha256:b" },
                new CheckpointStatus { Step = 30, Path = "/c/30" },
            ],
        };

        Assert.Equal("/c/20", TrainerPlan.ResumeFrom(status));
        Assert.Null(TrainerPlan.ResumeFrom(new FineTuneJobStatus()));
    }
}
