using TuneOperator.Trainer.Checkpoints;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// Controls a running loop from another thread: pause and resume between steps, and ask for a checkpoint at the
/// next step boundary. Stopping is cancellation of the token passed to the loop.
/// </summary>
public sealed class TrainingControl : IDisposable
{
    private readonly ManualResetEventSlim running = new(initialState: true);
    private readonly Lock gate = new();
    private TaskCompletionSource<CheckpointInfo>? checkpointRequest;

    /// <summary>Whether the loop is asked to wait between steps.</summary>
    public bool IsPaused => !running.IsSet;

    /// <summary>Makes the loop wait before its next step.</summary>
    public void Pause() => running.Reset();

    /// <summary>Lets a paused loop continue.</summary>
    public void Resume() => running.Set();

    /// <summary>
    /// Asks for a checkpoint at the next step boundary (also while paused); the task completes with it, or faults
    /// when the run has no checkpoint store or ends first.
    /// </summary>
    public Task<CheckpointInfo> RequestCheckpointAsync()
    {
        lock (gate)
        {
            checkpointRequest ??= new TaskCompletionSource<CheckpointInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = checkpointRequest.Task;
            running.Set();
            return task;
        }
    }

    /// <inheritdoc />
    public void Dispose() => running.Dispose();

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

    /// <summary>Whether a checkpoint request is pending.</summary>
    internal bool HasCheckpointRequest
    {
        get
        {
            lock (gate)
            {
                return checkpointRequest is not null;
            }
        }
    }

    /// <summary>Blocks while paused, waking for checkpoint requests; throws when cancelled.</summary>
    internal void WaitWhilePaused(CancellationToken cancellationToken)
    {
        while (IsPaused && !HasCheckpointRequest)
        {
            running.Wait(cancellationToken);
        }
    }
}
