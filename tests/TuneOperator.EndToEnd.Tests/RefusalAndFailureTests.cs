using Grpc.Core;
using Grpc.Net.Client;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Protos;
using Xunit;

namespace TuneOperator.EndToEnd.Tests;

/// <summary>What the trainer refuses (callers without the job's token) and how a job that cannot succeed ends.</summary>
public sealed class RefusalAndFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Calls_with_a_wrong_or_missing_token_are_refused_as_unauthenticated_and_the_job_is_unaffected()
    {
        await using var cluster = await EndToEndCluster.StartAsync();
        var vocabulary = TinyTrainingData.Write(cluster.ClaimDirectory(TinyJobs.DataClaim), rows: 200);
        const string name = "guarded";
        await cluster.CreateJobAsync(TinyJobs.Create(name, vocabulary, maxSteps: 30, checkpointEvery: 10));
        var trainer = await cluster.WaitForStartedTrainerAsync(name, 1);

        // Hold the run (with the right token) so every refused call meets a live, mid-run trainer.
        await TrainerSteering.PauseAtStepAsync(trainer, step: 3);
        var before = await TrainerSteering.WaitUntilHeldAsync(trainer);
        var pod = TrainerPodBuilder.PodName(name, 1);
        const string wrongToken = "not-the-job-token-0123456789abcdef";
        var impostor = cluster.Connect(pod, wrongToken);
        using var anonymousChannel = GrpcChannel.ForAddress(impostor.Address);
        var anonymous = new Trainer.TrainerClient(anonymousChannel);

        var refusals = new (string Call, Func<Task> Act)[]
        {
            ("GetStatus, wrong token", () => impostor.GetStatusAsync(Ct)),
            ("Checkpoint, wrong token", () => impostor.CheckpointAsync(Ct)),
            ("Resume, wrong token", () => impostor.ResumeAsync(Ct)),
            ("Stop, wrong token", () => impostor.StopAsync(graceful: false, Ct)),
            ("Start, wrong token", () => impostor.StartAsync(new StartRequest { JobUid = "other", Attempt = 1, PlanJson = "{}" }, Ct)),
            ("Watch, wrong token", async () =>
            {
                await foreach (var _ in impostor.WatchAsync(0, TimeSpan.FromMilliseconds(100), Ct))
                {
                }
            }),
            ("GetStatus, no token", async () => await anonymous.GetStatusAsync(new GetStatusRequest(), cancellationToken: Ct)),
            ("Stop, no token", async () => await anonymous.StopAsync(new StopRequest(), cancellationToken: Ct)),
        };
        foreach (var (call, act) in refusals)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(act);
            cluster.Expect(refused.StatusCode == StatusCode.Unauthenticated, $"{call} refused with Unauthenticated, got {refused.StatusCode}: {refused.Status.Detail}", name);
        }

        // Unaffected: still paused at the same point, no checkpoint taken, not stopped; then it finishes normally.
        var after = await trainer.GetStatusAsync(Ct);
        cluster.Expect(after.Phase == TrainerPhase.Paused && after.Progress.Step == before.Progress.Step && after.LastSequence == before.LastSequence,
            $"the trainer still paused at step {before.Progress.Step} with no new event (now {after.Phase}, step {after.Progress.Step})", name);
        await trainer.ResumeAsync(Ct);
        var done = await cluster.WaitForJobAsync(name, j => j.Status?.Phase is JobPhase.Succeeded or JobPhase.Failed, "the job finishes");
        cluster.Expect(done.Status!.Phase == JobPhase.Succeeded && done.Status.Failures == 0 && done.Status.Progress?.Step == 30, "the job Succeeded at step 30 with no failure", name);
        cluster.Expect(cluster.Fake.Requests.Count("create", "pods") == 1, "one trainer pod", name);

        // Neither token ever reaches the trainer's output.
        var output = cluster.Kubelet.ReadLog(EndToEndCluster.Ns, pod, TrainerPodBuilder.ContainerName)
            + cluster.Kubelet.ReadLog(EndToEndCluster.Ns, pod, TrainerPodBuilder.ContainerName, standardError: true);
        cluster.Expect(!output.Contains(cluster.Token(name), StringComparison.Ordinal) && !output.Contains(wrongToken, StringComparison.Ordinal),
            "no token in the trainer's stdout or stderr", name);
    }

    [Fact]
    public async Task A_dataset_of_malformed_rows_fails_the_job_permanently_stalled_with_the_trainers_message_and_no_retry()
    {
        await using var cluster = await EndToEndCluster.StartAsync();
        var data = cluster.ClaimDirectory(TinyJobs.DataClaim);
        var vocabulary = TinyTrainingData.Write(data, rows: 10);
        TinyTrainingData.WriteMalformed(data, rows: 40);
        const string name = "baddata";
        await cluster.CreateJobAsync(TinyJobs.Create(name, vocabulary, maxSteps: 20, checkpointEvery: 5, backoffLimit: 3));

        var done = await cluster.WaitForJobAsync(name, j => j.Status?.Phase is JobPhase.Succeeded or JobPhase.Failed, "the job finishes");
        var status = done.Status!;
        cluster.Expect(status.Phase == JobPhase.Failed, "phase Failed", name);
        var stalled = Conditions.Find(status.Conditions, ConditionTypes.Stalled);
        cluster.Expect(stalled is { Status: ConditionStatus.True, Reason: "InvalidDataset" }, "Stalled=True with reason InvalidDataset", name);
        cluster.Expect(stalled!.Message?.Contains("40", StringComparison.Ordinal) == true && stalled.Message.Contains("malformed", StringComparison.OrdinalIgnoreCase),
            $"the trainer's message, naming the 40 malformed rows, in the Stalled condition, not '{stalled.Message}'", name);
        cluster.Expect(Conditions.Find(status.Conditions, ConditionTypes.Failed) is { Status: ConditionStatus.True, Reason: "InvalidDataset" }, "Failed=True with reason InvalidDataset", name);
        cluster.Expect(Conditions.Find(status.Conditions, ConditionTypes.Ready)?.Status == ConditionStatus.False, "Ready=False", name);

        // Permanent: no retry, and the failed trainer's pod is removed.
        await cluster.WaitAsync(() => cluster.Pods(name).All(p => p.Metadata.DeletionTimestamp is not null || p.Status?.Phase is "Succeeded" or "Failed")
            && cluster.Kubelet.RunningProcesses.Count == 0, "the failed job's trainer has stopped", name);
        var later = await cluster.WaitForJobAsync(name, j => j.Status?.Phase == JobPhase.Failed, "the job stays failed");
        cluster.Expect(later.Status!.Failures is null or 0 or 1 && cluster.Fake.Requests.Count("create", "pods") == 1 && !cluster.Ran(TrainerPodBuilder.PodName(name, 2)),
            "exactly one trainer pod (no retry of a permanent failure)", name);
    }
}
