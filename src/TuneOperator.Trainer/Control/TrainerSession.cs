using TuneOperator.Protos;
using TuneOperator.Trainer.Training;

namespace TuneOperator.Trainer.Control;

/// <summary>
/// One started plan: its control, its event log, its live status and the task running it. The session's state is
/// derived from the events it reports, so <see cref="Status"/> and the log always agree. Checkpoint and output paths
/// are reported as the pod sees them (<see cref="PathMappings.ToPodPath"/>), not where a local runner mapped them.
/// </summary>
public sealed class TrainerSession : ITrainingReporter
{
    private readonly Lock gate = new();
    private readonly TrainerStatus status;
    private readonly PathMappings paths;
    private Task runTask = Task.CompletedTask;

    internal TrainerSession(TrainingRequest request, PathMappings paths, TimeProvider time)
    {
        Request = request;
        this.paths = paths;
        Events = new TrainerEventLog(time);
        status = new TrainerStatus { JobUid = request.JobUid, Attempt = request.Attempt, Phase = TrainerPhase.Idle };
    }

    /// <summary>The plan this session runs.</summary>
    public TrainingRequest Request { get; }

    /// <summary>The session's control requests.</summary>
    public TrainingControl Control { get; } = new();

    /// <summary>The session's events.</summary>
    public TrainerEventLog Events { get; }

    /// <summary>The task that ends when the run has ended and its final event is logged.</summary>
    public Task Completion => runTask;

    /// <summary>True once the run has ended (succeeded, failed or stopped).</summary>
    public bool Finished => IsTerminal(Status.Phase);

    /// <summary>A snapshot of the session's status.</summary>
    public TrainerStatus Status
    {
        get
        {
            lock (gate)
            {
                var snapshot = status.Clone();
                snapshot.LastSequence = Events.LastSequence;
                if (snapshot.Phase == TrainerPhase.Training && Control.IsPaused)
                {
                    snapshot.Phase = TrainerPhase.Paused;
                }

                return snapshot;
            }
        }
    }

    /// <inheritdoc />
    public void Phase(TrainerPhase phase) => Record(new TrainerEvent { PhaseChanged = new PhaseChanged { Phase = phase } }, s => s.Phase = phase);

    /// <inheritdoc />
    public void Progress(Progress progress) => Record(new TrainerEvent { Progress = progress }, s => s.Progress = progress);

    /// <inheritdoc />
    public void Metrics(Metrics metrics) => Record(new TrainerEvent { Metrics = metrics }, _ => { });

    /// <inheritdoc />
    public void Eval(EvalResult result) => Record(new TrainerEvent { Eval = result }, _ => { });

    /// <inheritdoc />
    public void CheckpointSaved(CheckpointInfo checkpoint)
    {
        var reported = ToPodPaths(checkpoint);
        Record(new TrainerEvent { CheckpointSaved = reported }, s => s.LastCheckpoint = reported);
    }

    /// <summary>The checkpoint message with its path as the pod sees it.</summary>
    public CheckpointInfo ToPodPaths(CheckpointInfo checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var reported = checkpoint.Clone();
        reported.Path = paths.ToPodPath(checkpoint.Path);
        return reported;
    }

    internal void Start(ITrainingRunner runner, CancellationToken stopping) => runTask = Task.Run(() => RunAsync(runner, stopping), CancellationToken.None);

    private async Task RunAsync(ITrainingRunner runner, CancellationToken stopping)
    {
        try
        {
            var outcome = await runner.RunAsync(Request, Control, this, stopping);
            if (outcome.Completed is { } completed)
            {
                completed.OutputPath = paths.ToPodPath(completed.OutputPath);
                Record(new TrainerEvent { Completed = completed }, s => s.Phase = TrainerPhase.Succeeded);
            }
            else
            {
                Record(new TrainerEvent { PhaseChanged = new PhaseChanged { Phase = TrainerPhase.Stopped } }, s => s.Phase = TrainerPhase.Stopped);
            }
        }
        catch (TrainingFailedException failure)
        {
            Fail(failure.Reason, failure.Message, failure.Permanent);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Record(new TrainerEvent { PhaseChanged = new PhaseChanged { Phase = TrainerPhase.Stopped } }, s => s.Phase = TrainerPhase.Stopped);
        }
        catch (Exception unexpected)
        {
            Fail("TrainerError", unexpected.Message, permanent: false);
        }
        finally
        {
            Control.FailPendingCheckpoints(new InvalidOperationException("The run ended before it saved the requested checkpoint."));
            Events.Close();
        }
    }

    private void Fail(string reason, string message, bool permanent) =>
        Record(new TrainerEvent { Failed = new Failed { Reason = reason, Message = message, Permanent = permanent } }, s =>
        {
            s.Phase = TrainerPhase.Failed;
            s.Message = message;
        });

    private void Record(TrainerEvent trainerEvent, Action<TrainerStatus> apply)
    {
        lock (gate)
        {
            apply(status);
            Events.Append(trainerEvent);
        }
    }

    private static bool IsTerminal(TrainerPhase phase) => phase is TrainerPhase.Succeeded or TrainerPhase.Failed or TrainerPhase.Stopped;
}
