using TuneOperator.Protos;

namespace TuneOperator.Trainer.Control;

/// <summary>
/// Requests from the controlling client to a running training loop: pause and resume, save a checkpoint now, stop.
/// The loop polls it between optimizer steps, so every request takes effect at a step boundary.
/// </summary>
public sealed class TrainingControl
{
    private readonly Lock gate = new();
    private readonly Queue<TaskCompletionSource<CheckpointInfo>> checkpointRequests = new();
    private TaskCompletionSource resumed = NewResumed(completed: true);

    /// <summary>True while paused.</summary>
    public bool IsPaused
    {
        get
        {
            lock (gate)
            {
                return !resumed.Task.IsCompleted;
            }
        }
    }

    /// <summary>True once a stop was requested.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>True when the stop asked for a checkpoint first.</summary>
    public bool GracefulStop { get; private set; }

    /// <summary>Pauses the loop at its next step boundary.</summary>
    public void Pause()
    {
        lock (gate)
        {
            if (resumed.Task.IsCompleted)
            {
                resumed = NewResumed(completed: false);
            }
        }
    }

    /// <summary>Lets a paused loop continue.</summary>
    public void Resume()
    {
        lock (gate)
        {
            resumed.TrySetResult();
        }
    }

    /// <summary>Asks the loop to stop; a graceful stop saves a checkpoint first. A paused loop is released so it can stop.</summary>
    public void Stop(bool graceful)
    {
        lock (gate)
        {
            GracefulStop |= graceful;
            StopRequested = true;
            resumed.TrySetResult();
        }
    }

    /// <summary>Asks for a checkpoint; the task completes when the loop has saved it.</summary>
    public Task<CheckpointInfo> RequestCheckpointAsync()
    {
        var request = new TaskCompletionSource<CheckpointInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            checkpointRequests.Enqueue(request);
        }

        return request.Task;
    }

    /// <summary>Takes the pending checkpoint requests; the loop completes them after saving one checkpoint.</summary>
    public IReadOnlyList<TaskCompletionSource<CheckpointInfo>> TakeCheckpointRequests()
    {
        lock (gate)
        {
            var taken = checkpointRequests.ToArray();
            checkpointRequests.Clear();
            return taken;
        }
    }

    /// <summary>Fails pending checkpoint requests, for when the loop ends without saving another checkpoint.</summary>
    public void FailPendingCheckpoints(Exception reason)
    {
        foreach (var request in TakeCheckpointRequests())
        {
            request.TrySetException(reason);
        }
    }

    /// <summary>Waits while paused; returns at once when running.</summary>
    public Task WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        Task wait;
        lock (gate)
        {
            wait = resumed.Task;
        }

        return wait.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource NewResumed(bool completed)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            source.SetResult();
        }

        return source;
    }
}
