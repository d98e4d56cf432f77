using Google.Protobuf.WellKnownTypes;
using TuneOperator.Api;
using TuneOperator.Cli.Local;
using TuneOperator.Protos;
using Xunit;

namespace TuneOperator.Cli.Tests;

public sealed class RunStatusTrackerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static IEnumerable<TrainerEvent> Run()
    {
        var sequence = 0;
        TrainerEvent Next(Action<TrainerEvent> fill)
        {
            var e = new TrainerEvent { Sequence = ++sequence, Time = Timestamp.FromDateTimeOffset(Now) };
            fill(e);
            return e;
        }

        yield return Next(e => e.PhaseChanged = new PhaseChanged { Phase = TrainerPhase.Training });
        yield return Next(e => e.Eval = new EvalResult { Step = 0, Values = { ["eval_loss"] = 3.5, ["exact_match"] = 0.1 } });
        for (var step = 1; step <= 40; step++)
        {
            var s = step;
            yield return Next(e => e.Progress = new Progress { Step = s, TotalSteps = 40, Loss = 4.0 - (s * 0.05), TokensPerSecond = 1200, EtaSeconds = 40 - s, LearningRate = 1e-3 });
        }

        yield return Next(e => e.CheckpointSaved = new Protos.CheckpointInfo { Step = 20, Path = "/runs/tiny/checkpoints/step-20", Metric = 2.0, MetricName = "eval_loss" });
        yield return Next(e => e.CheckpointSaved = new Protos.CheckpointInfo { Step = 40, Path = "/runs/tiny/checkpoints/step-40", Metric = 1.5, MetricName = "eval_loss" });
        yield return Next(e => e.Eval = new EvalResult { Step = 40, Values = { ["eval_loss"] = 1.5, ["exact_match"] = 0.8, ["retention_regression"] = 0.02 }, Improved = true });
        yield return Next(e => e.Completed = new Completed
        {
            OutputPath = "/out/tiny",
            OutputDigest = "sha256:abc",
            Reason = "Completed",
            Lineage = new Lineage { BaseModelDigest = "sha256:base", DatasetDigest = "sha256:data", SpecHash = "spec" },
        });
    }

    [Fact]
    public void Checkpoint_digests_are_sha256_prefixed_also_from_an_older_trainer_and_an_older_status_file()
    {
        var hex = new string('a', 32) + new string('B', 32);
        var canonical = "sha256:" + hex.ToLowerInvariant();
        var previous = new FineTuneJobStatus
        {
            Checkpoints = [new CheckpointStatus { Step = 10, Path = "/runs/tiny/checkpoints/checkpoint-00000010", Sha256 = hex }],
            BestCheckpoint = new CheckpointStatus { Step = 10, Path = "/runs/tiny/checkpoints/checkpoint-00000010", Sha256 = hex },
        };
        var tracker = new RunStatusTracker(new FixedTime(Now), previous);

        tracker.Apply(new TrainerEvent { Sequence = 1, CheckpointSaved = new Protos.CheckpointInfo { Step = 20, Path = "/runs/tiny/checkpoints/checkpoint-00000020", Sha256 = hex } });
        tracker.Apply(new TrainerEvent { Sequence = 2, CheckpointSaved = new Protos.CheckpointInfo { Step = 30, Path = "/runs/tiny/checkpoints/checkpoint-00000030", Sha256 = canonical } });

        Assert.Equal([10L, 20L, 30L], tracker.Status.Checkpoints!.Select(c => c.Step));
        Assert.All(tracker.Status.Checkpoints!, c => Assert.Equal(canonical, c.Sha256));
        Assert.Equal(canonical, tracker.Status.BestCheckpoint!.Sha256);
    }

    [Fact]
    public void Events_fold_into_a_FineTuneJob_status()
    {
        var tracker = new RunStatusTracker(new FixedTime(Now), parentJob: "base");
        foreach (var e in Run())
        {
            tracker.Apply(e);
        }

        var status = tracker.Status;
        Assert.Equal(JobPhase.Succeeded, status.Phase);
        Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Succeeded));
        Assert.False(Conditions.IsTrue(status.Conditions, ConditionTypes.Running));
        Assert.Equal(40, status.Progress!.Step);
        Assert.Equal(100, status.Progress.Percent);
        Assert.Equal(0.8, status.Metrics![MetricNames.RetentionRegression] * 40, 6);
        Assert.Equal(0.8, status.Metrics["exactMatch"]);
        Assert.Equal([20L, 40L], status.Checkpoints!.Select(c => c.Step));
        Assert.Equal(40, status.BestCheckpoint!.Step);
        Assert.Equal("/out/tiny", status.Output!.Path);
        Assert.Equal("base", status.Lineage!.ParentJob);
        Assert.Equal("sha256:data", status.Lineage.DatasetDigest);
        Assert.Equal(0.1, status.BaselineMetrics!["exactMatch"]);
        Assert.Equal(3.5, status.BaselineMetrics["evalLoss"]);
        Assert.Equal(40, tracker.LastEvalStep);
        Assert.True(tracker.Ended);
    }

    [Fact]
    public async Task Plain_view_and_summary_show_progress_and_before_after()
    {
        using var output = new StringWriter();
        var view = new PlainRunView(output);
        var tracker = new RunStatusTracker(new FixedTime(Now));

        await view.ShowAsync("tiny", show =>
        {
            foreach (var e in Run())
            {
                tracker.Apply(e);
                show(e, tracker);
            }

            return Task.FromResult(true);
        });
        RunSummary.Write(output, "tiny", tracker, ["/runs/tiny/status.json"]);

        var text = output.ToString();
        Assert.DoesNotContain("\u001b[", text, StringComparison.Ordinal);
        Assert.Contains("[tiny] step 40/40  loss 2.0000  exactMatch 0.1  1200 tok/s", text, StringComparison.Ordinal);
        Assert.Contains("before -> after (step 0 -> step 40)", text, StringComparison.Ordinal);
        Assert.Contains("exactMatch                    0.1 -> 0.8", text, StringComparison.Ordinal);
        Assert.Contains("evalLoss                      3.5 -> 1.5", text, StringComparison.Ordinal);
        Assert.Contains("retention: +2% perplexity change", text, StringComparison.Ordinal);
        Assert.Contains("checkpoints: 2, newest step 40", text, StringComparison.Ordinal);
        Assert.Contains("output: /out/tiny", text, StringComparison.Ordinal);
        var progressLines = text.Split('\n').Count(l => l.Contains("] step ", StringComparison.Ordinal));
        Assert.InRange(progressLines, 2, 21);
    }

    [Fact]
    public void A_resumed_run_continues_the_previous_status_and_finds_the_newest_checkpoint()
    {
        var root = Directory.CreateTempSubdirectory("tune-resume-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "step-20"));
            var previous = new FineTuneJobStatus
            {
                Phase = JobPhase.Suspended,
                BaselineMetrics = new() { ["exactMatch"] = 0.0 },
                Checkpoints =
                [
                    new CheckpointStatus { Step = 10, Path = Path.Combine(root, "step-10") },
                    new CheckpointStatus { Step = 20, Path = LocalManifest.ToFileUri(Path.Combine(root, "step-20")) },
                ],
            };

            var tracker = new RunStatusTracker(new FixedTime(Now), previous);

            Assert.Equal(20, tracker.NewestCheckpoint(LocalManifest.ToLocalPath)!.Step);
            Assert.Equal(JobPhase.Pending, tracker.Status.Phase);
            tracker.Apply(new TrainerEvent { Eval = new EvalResult { Step = 30, Values = { ["exactMatch"] = 0.9 } } });
            Assert.Equal(0.0, tracker.Baseline!["exactMatch"]);
            Assert.Equal(0.9, tracker.Status.Metrics!["exactMatch"]);
            tracker.MarkStopped("interrupted");
            Assert.Equal(JobPhase.Suspended, tracker.Status.Phase);
            Assert.True(Conditions.IsTrue(tracker.Status.Conditions, ConditionTypes.Suspended));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
