using TuneOperator.Api;
using TuneOperator.Controller.Runtime;
using TuneOperator.Controller.Training;
using TuneOperator.Protos;
using Xunit;

namespace TuneOperator.Controller.Tests.Training;

/// <summary>A new attempt's session takes over the checkpoints the previous attempt's session knew.</summary>
public sealed class TrainerHandOverTests
{
    private static CheckpointStatus Checkpoint(long step) => new() { Step = step, Path = "/mnt/pvc/r/ckpt/checkpoint-" + step, Sha256 = "sha" + step };

    private static TrainerView View(int attempt, params CheckpointStatus[] checkpoints) =>
        TrainerView.Seed(attempt, 0, new FineTuneJobStatus { Checkpoints = [.. checkpoints] });

    private static TrainerTarget Target(TrainerView seed, string resumeFrom, int keepLast = 3) => new(
        new NamespacedName("default", "job"), "uid", 2, "tune-job-2", new Uri("http://127.0.0.1:50051"), "tune-job-token",
        new StartRequest { JobUid = "uid", Attempt = 2, PlanJson = "{}", ResumeFrom = resumeFrom }, seed, keepLast);

    [Fact]
    public void A_checkpoint_the_status_missed_is_carried_over_and_resumed_from()
    {
        // The preemption checkpoint (step 12) reached the old session but not the status the new target was built from.
        var previous = View(1, Checkpoint(5), Checkpoint(12));
        var next = Target(View(2, Checkpoint(5)), resumeFrom: Checkpoint(5).Path);

        var handed = TrainerSupervisor.HandOver(previous, next);

        Assert.Equal("/mnt/pvc/r/ckpt/checkpoint-12", handed.Start.ResumeFrom);
        Assert.Equal([5L, 12L], handed.Seed.Checkpoints.Select(c => c.Step));
        Assert.Equal(Checkpoint(5).Path, next.Start.ResumeFrom);
    }

    [Fact]
    public void A_target_that_already_resumes_from_the_newest_checkpoint_keeps_its_start_and_the_seed_respects_keep_last()
    {
        var previous = View(1, Checkpoint(5), Checkpoint(10));
        var next = Target(View(2, Checkpoint(10), Checkpoint(15)), resumeFrom: Checkpoint(15).Path, keepLast: 2);

        var handed = TrainerSupervisor.HandOver(previous, next);

        Assert.Same(next.Start, handed.Start);
        Assert.Equal([10L, 15L], handed.Seed.Checkpoints.Select(c => c.Step));
    }

    [Fact]
    public void Nothing_to_hand_over_leaves_the_target_as_it_is()
    {
        var next = Target(View(2), resumeFrom: string.Empty);

        Assert.Same(next, TrainerSupervisor.HandOver(View(1), next));
    }
}
