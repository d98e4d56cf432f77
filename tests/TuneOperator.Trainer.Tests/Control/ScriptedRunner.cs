using TuneOperator.Protos;
using TuneOperator.Trainer.Control;
using TuneOperator.Trainer.Training;

namespace TuneOperator.Trainer.Tests.Control;

/// <summary>
/// A training runner for control-contract tests: it "trains" <see cref="Steps"/> steps of <see cref="StepDelay"/>,
/// honouring pause, checkpoint and stop requests at step boundaries exactly as the real loop must.
/// </summary>
internal sealed class ScriptedRunner : ITrainingRunner
{
    public int Steps { get; init; } = 20;

    public TimeSpan StepDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>When set, the run fails at this step with the given failure.</summary>
    public (int Step, TrainingFailedException Failure)? FailAt { get; init; }

    public List<TrainingRequest> Requests { get; } = [];

    public async Task<TrainingOutcome> RunAsync(TrainingRequest request, TrainingControl control, ITrainingReporter reporter, CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }

        var first = request.ResumeFrom is null ? 1 : int.Parse(Path.GetFileName(request.ResumeFrom)["step-".Length..], System.Globalization.CultureInfo.InvariantCulture) + 1;
        reporter.Phase(TrainerPhase.Training);
        for (var step = first; step <= Steps; step++)
        {
            await control.WaitWhilePausedAsync(cancellationToken);
            SaveRequested(control, reporter, step - 1);
            if (control.StopRequested)
            {
                if (control.GracefulStop)
                {
                    reporter.CheckpointSaved(CheckpointMessages.ToMessage(Checkpoint(step - 1)));
                }

                return TrainingOutcome.StoppedByRequest;
            }

            if (FailAt is { } failAt && failAt.Step == step)
            {
                throw failAt.Failure;
            }

            await Task.Delay(StepDelay, cancellationToken);
            reporter.Progress(new Progress { Step = step, TotalSteps = Steps, Loss = 1.0 / step });
        }

        SaveRequested(control, reporter, Steps);
        return TrainingOutcome.Finished(new Completed { OutputPath = "/out/model", OutputDigest = "sha256:abc", Reason = "Completed" });
    }

    private static void SaveRequested(TrainingControl control, ITrainingReporter reporter, int step)
    {
        var requests = control.TakeCheckpointRequests();
        if (requests.Count == 0)
        {
            return;
        }

        var checkpoint = Checkpoint(step);
        reporter.CheckpointSaved(CheckpointMessages.ToMessage(checkpoint));
        foreach (var request in requests)
        {
            request.TrySetResult(checkpoint);
        }
    }

    private static Trainer.Checkpoints.CheckpointInfo Checkpoint(int step)
        => new(step, $"/ckpt/step-{step}", "sha256:" + step, DateTimeOffset.UnixEpoch, MetricName: null, MetricValue: null);
}
