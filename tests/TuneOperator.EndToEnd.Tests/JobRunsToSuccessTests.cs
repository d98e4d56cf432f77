using System.Security.Cryptography;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using Xunit;

namespace TuneOperator.EndToEnd.Tests;

/// <summary>A FineTuneJob applied to the fake cluster trains a tiny model with the real trainer and ends Succeeded.</summary>
public sealed class JobRunsToSuccessTests
{
    [Fact]
    public async Task A_job_runs_to_succeeded_with_progress_metrics_checkpoints_and_output_in_status_and_on_disk()
    {
        await using var cluster = await EndToEndCluster.StartAsync();
        var vocabulary = TinyTrainingData.Write(cluster.ClaimDirectory(TinyJobs.DataClaim), rows: 200);
        const string name = "tiny";
        await cluster.CreateJobAsync(TinyJobs.Create(name, vocabulary, maxSteps: 20, checkpointEvery: 5, keepLast: 3, evaluateEvery: 5));

        var done = await cluster.WaitForJobAsync(name, j => j.Status?.Phase is JobPhase.Succeeded or JobPhase.Failed, "the job finishes");
        var status = done.Status!;
        cluster.Expect(status.Phase == JobPhase.Succeeded, "phase Succeeded", name);
        cluster.Expect(Conditions.IsTrue(status.Conditions, ConditionTypes.Ready), "Ready=True", name);
        cluster.Expect(!Conditions.IsTrue(status.Conditions, ConditionTypes.Stalled), "no Stalled=True", name);
        cluster.Expect(status.CompletionTime is not null && status.StartTime is not null, "start and completion times", name);

        // Progress and metrics, as the trainer reported them.
        cluster.Expect(status.Progress is { Step: 20, TotalSteps: 20 } && Math.Abs(status.Progress.Percent - 100) < 1e-9, "progress at step 20 of 20 (100%)", name);
        cluster.Expect(status.Metrics is { } metrics && metrics.TryGetValue(MetricNames.TrainLoss, out var loss) && double.IsFinite(loss) && loss > 0,
            "a finite, positive trainLoss metric", name);
        cluster.Expect(status.Metrics!.TryGetValue(MetricNames.EvalLoss, out var evalLoss) && double.IsFinite(evalLoss), "an evalLoss metric from the final evaluation", name);

        // Checkpoints: the last keepLast of steps 5, 10, 15, 20, each a complete directory whose manifest has the recorded digest.
        var checkpoints = status.Checkpoints ?? [];
        cluster.Expect(checkpoints.Select(c => c.Step).SequenceEqual([10L, 15L, 20L]), "checkpoints at steps 10, 15, 20 in status", name);
        foreach (var checkpoint in checkpoints)
        {
            var directory = cluster.LocalPath(checkpoint.Path);
            var manifest = Path.Combine(directory, "manifest.json");
            cluster.Expect(File.Exists(manifest), $"checkpoint {checkpoint.Step} at {directory} with a manifest.json", name);
            var digest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(manifest)));
            cluster.Expect(checkpoint.Sha256?.EndsWith(digest, StringComparison.Ordinal) == true,
                $"checkpoint {checkpoint.Step}'s sha256 {checkpoint.Sha256} to be its manifest's digest {digest}", name);
            cluster.Expect(directory.StartsWith(cluster.ClaimDirectory(TinyJobs.ResultsClaim), StringComparison.Ordinal),
                $"checkpoint {checkpoint.Step} inside the results claim, not at {directory}", name);
        }

        // Evaluated every 5 steps: each checkpoint carries its evalLoss, and the best is the lowest one (kept on disk too).
        cluster.Expect(checkpoints.All(c => c.Metric is { } m && double.IsFinite(m)), "a metric on every checkpoint", name);
        var best = status.BestCheckpoint;
        cluster.Expect(best?.Metric is { } bestMetric && checkpoints.All(c => c.Metric >= bestMetric), "a best checkpoint with the lowest evalLoss", name);
        cluster.Expect(Directory.Exists(cluster.LocalPath(best!.Path)), $"the best checkpoint's folder {best.Path}", name);
        var onDisk = Directory.GetDirectories(Path.Combine(cluster.ClaimDirectory(TinyJobs.ResultsClaim), name, "checkpoints"), "checkpoint-*")
            .Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        cluster.Expect(onDisk.Count >= 3 && onDisk.Count <= 4 && onDisk.Contains("checkpoint-00000020"), $"keepLast (plus the best) checkpoint folders on disk, found [{string.Join(", ", onDisk)}]", name);

        // The output model, in Hugging Face layout, with its digest and lineage.
        cluster.Expect(status.Output is { Path.Length: > 0, Digest.Length: > 0 }, "status.output with a path and a digest", name);
        var output = cluster.LocalPath(status.Output!.Path);
        cluster.Expect(output == Path.Combine(cluster.ClaimDirectory(TinyJobs.ResultsClaim), name, "model"), $"the output in results/{name}/model, not {output}", name);
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json" })
        {
            cluster.Expect(File.Exists(Path.Combine(output, file)), $"{file} in the output model {output}", name);
        }

        cluster.Expect(status.Lineage is { BaseModelDigest.Length: > 0, DatasetDigest.Length: > 0, SpecHash.Length: > 0 }, "lineage digests", name);

        // One attempt, and its pod goes away once the job is done.
        cluster.Expect(status.Failures == 0 && status.Restarts == 0, "no failure and no restart", name);
        await cluster.WaitAsync(() => cluster.Pods(name).Count == 0 && cluster.Kubelet.RunningProcesses.Count == 0, "the finished job's trainer pod is gone", name);
        cluster.Expect(cluster.Fake.Requests.Count("create", "pods") == 1 && !cluster.Ran(TrainerPodBuilder.PodName(name, 2)), "exactly one trainer pod", name);
    }
}
