using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Protos;
using Xunit;

namespace TuneOperator.EndToEnd.Tests;

/// <summary>Jobs interrupted mid-run — the trainer killed, the operator restarted, the job suspended — finish from their checkpoints.</summary>
public sealed class InterruptedJobTests
{
    private const int Steps = 60;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_killed_trainer_is_replaced_by_a_new_pod_that_resumes_from_the_last_checkpoint_without_repeating_steps()
    {
        await using var cluster = await EndToEndCluster.StartAsync();
        var vocabulary = TinyTrainingData.Write(cluster.ClaimDirectory(TinyJobs.DataClaim), rows: 200);
        const string name = "killed";
        // No checkpoint.location: checkpoints go to the default, <output>/checkpoints.
        await cluster.CreateJobAsync(TinyJobs.Create(name, vocabulary, Steps, checkpointEvery: 5, backoffLimit: 2, defaultCheckpointLocation: true));

        // Hold the first trainer still right after a checkpoint, so the kill lands at a known point.
        var first = await cluster.WaitForStartedTrainerAsync(name, 1);
        await TrainerSteering.PauseAfterCheckpointsAsync(first, count: 2);
        var held = await TrainerSteering.WaitUntilHeldAsync(first);
        var checkpoint = held.LastCheckpoint;
        cluster.Expect(checkpoint is { Step: > 0 } && held.Progress.Step < Steps, "the paused trainer to have a checkpoint and steps left", name);
        await cluster.WaitForJobAsync(name, j => j.Status?.Checkpoints?.LastOrDefault()?.Step == checkpoint.Step, $"the checkpoint of step {checkpoint.Step} is in status");

        var firstPod = TrainerPodBuilder.PodName(name, 1);
        await cluster.Kubelet.KillContainerAsync(EndToEndCluster.Ns, firstPod, cancellationToken: Ct);

        var second = await cluster.WaitForStartedTrainerAsync(name, 2);
        var events = EndToEndCluster.CollectEventsAsync(second);
        var done = await cluster.WaitForJobAsync(name, j => j.Status?.Phase is JobPhase.Succeeded or JobPhase.Failed, "the job finishes");
        var seen = await events;

        var status = done.Status!;
        cluster.Expect(status.Phase == JobPhase.Succeeded && Conditions.IsTrue(status.Conditions, ConditionTypes.Ready), "the job Succeeded and Ready", name);
        var steps = ProgressSteps(seen);
        cluster.Expect(steps.Count > 0 && steps[0] == checkpoint.Step + 1,
            $"the second attempt's first step to be {checkpoint.Step + 1} (after the checkpoint), not {(steps.Count > 0 ? steps[0] : -1)}", name);
        cluster.Expect(RanOnceAfter(steps, checkpoint.Step),
            $"the second attempt to run steps {checkpoint.Step + 1}..{Steps} once each, ran [{string.Join(",", steps)}]", name);
        cluster.Expect(seen.Any(e => e.Completed is not null), "the second attempt's completed event", name);
        cluster.Expect(status.Progress?.Step == Steps && status.Output is { Path.Length: > 0 }, $"progress at step {Steps} and an output", name);

        // The kill was a failure within the backoff limit: one failure, one restart, two pods, no third.
        cluster.Expect(status.Failures == 1 && status.Restarts == 1, $"failures 1 and restarts 1, not {status.Failures} and {status.Restarts}", name);
        cluster.Expect(cluster.Fake.Requests.Created("pods") == 2 && !cluster.Ran(TrainerPodBuilder.PodName(name, 3)), "exactly two trainer pods", name);
        cluster.Expect(status.Checkpoints!.Last().Step == Steps, "the final checkpoint in status", name);

        // The default location, and the export into the output kept the checkpoints beside the model files.
        var output = cluster.LocalPath(status.Output!.Path);
        cluster.Expect(File.Exists(Path.Combine(output, "config.json")) && File.Exists(Path.Combine(output, "model.safetensors")), $"the exported model in {output}", name);
        foreach (var saved in status.Checkpoints!)
        {
            var directory = cluster.LocalPath(saved.Path);
            cluster.Expect(Path.GetDirectoryName(directory) == Path.Combine(output, CheckpointSpec.DefaultFolderName) && File.Exists(Path.Combine(directory, "manifest.json")),
                $"checkpoint {saved.Step} under {output}/checkpoints after the export, not at {directory}", name);
        }
    }

    [Fact]
    public async Task A_restarted_operator_reconnects_to_the_running_trainer_and_loses_no_event_and_creates_no_second_pod()
    {
        await using var cluster = await EndToEndCluster.StartAsync();
        var vocabulary = TinyTrainingData.Write(cluster.ClaimDirectory(TinyJobs.DataClaim), rows: 200);
        const string name = "restarted";

        // keepLast above the number of checkpoints, so every checkpoint the trainer saves must appear in status.
        await cluster.CreateJobAsync(TinyJobs.Create(name, vocabulary, Steps, checkpointEvery: 5, keepLast: 20));
        var trainer = await cluster.WaitForStartedTrainerAsync(name, 1);
        var events = EndToEndCluster.CollectEventsAsync(trainer);
        await TrainerSteering.PauseAfterCheckpointsAsync(trainer, count: 1);
        await cluster.WaitForJobAsync(name, j => j.Status?.Checkpoints is { Count: > 0 }, "the first checkpoint is in status");

        // No operator while the trainer goes on: its events wait in the trainer's log.
        await cluster.StopOperatorAsync();
        await trainer.ResumeAsync(Ct);
        await TrainerSteering.PauseAfterCheckpointsAsync(trainer, count: 2);
        // The pause lands a few steps after the event that asked for it: the newest checkpoint is the held trainer's.
        var whileAway = (await TrainerSteering.WaitUntilHeldAsync(trainer)).LastCheckpoint;
        await cluster.StartOperatorAsync();
        await cluster.WaitForJobAsync(name, j => j.Status?.Checkpoints?.LastOrDefault()?.Step == whileAway.Step,
            $"the checkpoint of step {whileAway.Step}, saved while no operator ran, is in status");
        await trainer.ResumeAsync(Ct);

        var done = await cluster.WaitForJobAsync(name, j => j.Status?.Phase is JobPhase.Succeeded or JobPhase.Failed, "the job finishes");
        var seen = await events;
        var status = done.Status!;
        cluster.Expect(status.Phase == JobPhase.Succeeded, "the job Succeeded", name);
        var saved = seen.Where(e => e.CheckpointSaved is not null).Select(e => e.CheckpointSaved.Step).ToList();
        var recorded = status.Checkpoints!.Select(c => c.Step).ToList();
        cluster.Expect(saved.Count == Steps / 5 && recorded.SequenceEqual(saved),
            $"every checkpoint the trainer saved [{string.Join(",", saved)}] in status, found [{string.Join(",", recorded)}]", name);
        cluster.Expect(status.Checkpoints!.Zip(seen.Where(e => e.CheckpointSaved is not null)).All(p => p.First.Sha256 == p.Second.CheckpointSaved.Sha256),
            "the recorded checkpoint digests to be the trainer's", name);
        cluster.Expect(status.Progress?.Step == Steps && status.Metrics?.ContainsKey(MetricNames.EvalLoss) == true && status.Output is { Path.Length: > 0 },
            "the final step, the final evaluation and the output in status", name);

        cluster.Expect(status.Restarts == 0 && status.Failures == 0, "no restart and no failure", name);
        cluster.Expect(cluster.Fake.Requests.Created("pods") == 1 && !cluster.Ran(TrainerPodBuilder.PodName(name, 2)), "exactly one trainer pod", name);
    }

    [Fact]
    public async Task Suspend_checkpoints_and_removes_the_pod_and_resume_continues_from_that_checkpoint_in_a_new_pod()
    {
        await using var cluster = await EndToEndCluster.StartAsync();
        var vocabulary = TinyTrainingData.Write(cluster.ClaimDirectory(TinyJobs.DataClaim), rows: 200);
        const string name = "paused";

        // Periodic checkpoints only at 50: the suspend checkpoint is the one the operator asks for.
        await cluster.CreateJobAsync(TinyJobs.Create(name, vocabulary, Steps, checkpointEvery: 50, keepLast: 5));
        var first = await cluster.WaitForStartedTrainerAsync(name, 1);
        await TrainerSteering.PauseAtStepAsync(first, step: 7);
        var held = await TrainerSteering.WaitUntilHeldAsync(first);
        var at = held.Progress.Step;
        cluster.Expect(at is > 0 and < 50 && held.LastCheckpoint is null, $"the trainer held at step {at}, before any periodic checkpoint", name);

        await cluster.SetSuspendAsync(name, suspend: true);
        var suspended = await cluster.WaitForJobAsync(name, j => j.Status?.Phase == JobPhase.Suspended, "the job is suspended");
        cluster.Expect(suspended.Status!.Checkpoints?.LastOrDefault()?.Step == at, $"the suspend checkpoint of step {at} in status", name);
        cluster.Expect(Conditions.IsTrue(suspended.Status.Conditions, ConditionTypes.Suspended)
            && Conditions.Find(suspended.Status.Conditions, ConditionTypes.Ready)?.Status == ConditionStatus.False, "Suspended=True and Ready=False while suspended", name);
        await cluster.WaitAsync(() => cluster.Pods(name).Count == 0 && cluster.Kubelet.RunningProcesses.Count == 0, "the suspended job's pod is gone", name);
        var checkpointPath = cluster.LocalPath(suspended.Status.Checkpoints!.Last().Path);
        cluster.Expect(File.Exists(Path.Combine(checkpointPath, "manifest.json")), $"the suspend checkpoint on disk at {checkpointPath}", name);
        var stillSuspended = await cluster.WaitForJobAsync(name, j => j.Status?.Phase == JobPhase.Suspended, "the job stays suspended");
        cluster.Expect(!cluster.Ran(TrainerPodBuilder.PodName(name, 2)), "no new pod while suspended", name);

        await cluster.SetSuspendAsync(name, suspend: false);
        var second = await cluster.WaitForStartedTrainerAsync(name, 2);
        var events = EndToEndCluster.CollectEventsAsync(second);
        var done = await cluster.WaitForJobAsync(name, j => j.Status?.Phase is JobPhase.Succeeded or JobPhase.Failed, "the resumed job finishes");
        var seen = await events;

        var status = done.Status!;
        cluster.Expect(status.Phase == JobPhase.Succeeded, "the job Succeeded", name);
        var steps = ProgressSteps(seen);
        cluster.Expect(RanOnceAfter(steps, at),
            $"the resumed attempt to run steps {at + 1}..{Steps} once each, ran [{string.Join(",", steps)}]", name);
        cluster.Expect(status.Failures == 0 && status.Restarts == 1 && stillSuspended.Status!.Failures == 0,
            $"a suspend to be a restart, not a failure (failures {status.Failures}, restarts {status.Restarts})", name);
        cluster.Expect(status.Checkpoints![0].Step == at && status.Checkpoints.Any(c => c.Step == 50), $"the suspend checkpoint ({at}) and the periodic one (50) in status", name);
    }

    [Fact]
    public async Task A_preempted_pod_checkpoints_and_the_next_attempt_resumes_there_without_consuming_the_backoff_limit()
    {
        await using var cluster = await EndToEndCluster.StartAsync();
        var vocabulary = TinyTrainingData.Write(cluster.ClaimDirectory(TinyJobs.DataClaim), rows: 200);
        const string name = "preempted";

        // No retry allowed for failures, and no periodic checkpoint before step 50: only the preemption checkpoint can help.
        await cluster.CreateJobAsync(TinyJobs.Create(name, vocabulary, Steps, checkpointEvery: 50, backoffLimit: 0));
        var first = await cluster.WaitForStartedTrainerAsync(name, 1);
        await TrainerSteering.PauseAtStepAsync(first, step: 9);
        var at = (await TrainerSteering.WaitUntilHeldAsync(first)).Progress.Step;

        await cluster.Kubelet.PreemptAsync(EndToEndCluster.Ns, TrainerPodBuilder.PodName(name, 1), cancellationToken: Ct);
        var second = await cluster.WaitForStartedTrainerAsync(name, 2);
        var events = EndToEndCluster.CollectEventsAsync(second);
        var done = await cluster.WaitForJobAsync(name, j => j.Status?.Phase is JobPhase.Succeeded or JobPhase.Failed, "the job finishes");
        var seen = await events;

        var status = done.Status!;
        cluster.Expect(status.Phase == JobPhase.Succeeded, "the job Succeeded despite backoffLimit 0", name);
        cluster.Expect(status.Failures == 0 && status.Restarts == 1, $"a preemption to be a restart, not a failure (failures {status.Failures}, restarts {status.Restarts})", name);
        var steps = ProgressSteps(seen);
        cluster.Expect(steps.Count > 0 && steps[0] == at + 1, $"the second attempt to resume at step {at + 1}, after the preemption checkpoint, not {(steps.Count > 0 ? steps[0] : -1)}", name);
        cluster.Expect(status.Checkpoints![0].Step == at, $"the preemption checkpoint (step {at}) in status", name);
    }

    // The steps a trainer reported progress for, in the order it reported them.
    private static List<long> ProgressSteps(IReadOnlyList<TrainerEvent> events) =>
        events.Where(e => e.Progress is not null).Select(e => e.Progress.Step).ToList();

    // True when the attempt ran every step after `resumedAfter` up to the last one, once each and in order.
    private static bool RanOnceAfter(List<long> steps, long resumedAfter) =>
        steps.SequenceEqual(Enumerable.Range((int)resumedAfter + 1, Steps - (int)resumedAfter).Select(s => (long)s));
}
