using Grpc.Core;
using TuneOperator.Protos;
using Xunit;

namespace TuneOperator.EndToEnd.Tests;

/// <summary>
/// The test's own hand on a running trainer (with the job's token): pause it at a known point, so a kill, a suspend or an
/// operator restart lands where the test can tell what must happen next.
/// </summary>
internal static class TrainerSteering
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Follows the trainer's events and pauses it as soon as it has saved <paramref name="count"/> more checkpoints; returns the last one.</summary>
    public static async Task<CheckpointInfo> PauseAfterCheckpointsAsync(TrainerConnection trainer, int count)
    {
        var from = (await trainer.GetStatusAsync(Ct)).LastSequence;
        var seen = 0;
        await foreach (var trainerEvent in trainer.WatchAsync(from, TimeSpan.FromMilliseconds(200), Ct))
        {
            if (trainerEvent.CheckpointSaved is { } saved && ++seen == count)
            {
                await trainer.PauseAsync(Ct);
                return saved;
            }
        }

        throw new InvalidOperationException($"The run ended before it saved {count} more checkpoint(s).");
    }

    /// <summary>Pauses the trainer as soon as it reports <paramref name="step"/>.</summary>
    public static async Task PauseAtStepAsync(TrainerConnection trainer, long step)
    {
        await foreach (var trainerEvent in trainer.WatchAsync(0, TimeSpan.FromMilliseconds(200), Ct))
        {
            if (trainerEvent.Progress?.Step >= step)
            {
                await trainer.PauseAsync(Ct);
                return;
            }
        }

        throw new InvalidOperationException($"The run ended before step {step}.");
    }

    /// <summary>
    /// Waits until a paused trainer's loop has reached its step boundary: the event log stops growing. Returns its status
    /// then (step, last checkpoint).
    /// </summary>
    public static async Task<TrainerStatus> WaitUntilHeldAsync(TrainerConnection trainer)
    {
        var previous = await trainer.GetStatusAsync(Ct);
        var deadline = DateTimeOffset.UtcNow + EndToEndCluster.Patience;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
            var current = await trainer.GetStatusAsync(Ct);
            if (current.Phase != TrainerPhase.Paused)
            {
                throw new InvalidOperationException($"The trainer is {current.Phase}, not paused.");
            }

            if (current.LastSequence == previous.LastSequence)
            {
                return current;
            }

            previous = current;
        }

        throw new RpcException(new Status(StatusCode.DeadlineExceeded, "The paused trainer kept reporting events."));
    }
}
