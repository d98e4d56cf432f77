using TuneOperator.Trainer.Checkpoints;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// Controls a running loop from another thread: pause and resume between steps, and ask for a checkpoint at the
/// next step boundary (a paused loop wakes up to write it and stays paused). Stopping is cancellation of the token
/// passed to the loop.
/// </summary>
public sealed class TrainingControl
{
    private readonly object gate = new();
    private bool paused;
    private TaskCompletionSource<CheckpointInfo>? checkpointRequest;

    /// <summary>Whether the loop is asked to wait between steps.</summary>
    public bool IsPaused
    {
        get
        {
            lock (gate)
            {
                return paused;
            }
        }
    }

    /// <summary>Makes the loop wait before its next step.</summary>
    public void Pause()
    {
        lock (gate)
        {
            paused = true;
        }
    }

    /// <summary>Lets a paused loop continue.</summary>
    public void Resume()
    {
        lock (gate)
        {
            paused = false;
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>
    /// Asks for a checkpoint at the next step boundary (also while paused); the task completes with it, or faults
    /// when the run has no checkpoint store or ends first.
    /// </summary>
    public Task<CheckpointInfo> RequestCheckpointAsync()
    {
        lock (gate)
        {
            checkpointRequest ??= new TaskCompletionSource<CheckpointInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
            Monitor.PulseAll(gate);
            return checkpointRequest.Task;
        }
    }

    /// <summary>Takes a pending checkpoint request, if any.</summary>
    internal TaskCompletionSource<CheckpointInfo>? TakeCheckpointRequest()
    {
        lock (gate)
        {
            var request = checkpointRequest;
            checkpointRequest = null;
            return request;
        }
    }

    /// <summary>Blocks while paused and no checkpoint is requested; throws when cancelled.</summary>
    internal void WaitWhilePaused(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(() =>
        {
            lock (gate)
            {
                Monitor.PulseAll(gate);
            }
        });
        lock (gate)
        {
            while (paused && checkpointRequest is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Monitor.Wait(gate);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
