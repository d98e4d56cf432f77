using TuneOperator.Trainer.Checkpoints;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// Requests from a controlling client (the gRPC control service, a test) to a running training loop: pause and resume,
/// save a checkpoint now, stop (a graceful stop saves a checkpoint first). The loop polls it between optimizer steps,
/// so every request takes effect at a step boundary; a paused loop wakes up to write a requested checkpoint and stays
/// paused. Thread-safe.
/// </summary>
public sealed class TrainingControl
{
    private readonly object gate = new();
    private readonly Queue<TaskCompletionSource<CheckpointInfo>> checkpointRequests = new();
    private TaskCompletionSource resumed = NewResumed(completed: true);
    private bool stopRequested;
    private bool gracefulStop;

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
    public bool StopRequested
    {
        get
        {
            lock (gate)
            {
                return stopRequested;
            }
        }
    }

    /// <summary>True when the stop asked for a checkpoint first.</summary>
    public bool GracefulStop
    {
        get
        {
            lock (gate)
            {
                return gracefulStop;
            }
        }
    }

    /// <summary>Pauses the loop at its next step boundary.</summary>
    public void Pause()
    {
        lock (gate)
        {
            if (resumed.Task.IsCompleted && !stopRequested)
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
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>Asks the loop to stop; a graceful stop saves a checkpoint first. A paused loop is released so it can stop.</summary>
    public void Stop(bool graceful)
    {
        lock (gate)
        {
            gracefulStop |= graceful;
            stopRequested = true;
            resumed.TrySetResult();
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>
    /// Asks for a checkpoint at the next step boundary (also while paused); the task completes with it, or faults with
    /// <see cref="InvalidOperationException"/> when the run has no checkpoint location or ends first.
    /// </summary>
    public Task<CheckpointInfo> RequestCheckpointAsync()
    {
        var request = new TaskCompletionSource<CheckpointInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            checkpointRequests.Enqueue(request);
            Monitor.PulseAll(gate);
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

    /// <summary>Waits while paused; returns at once when running, and when resumed or stopped.</summary>
    public Task WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        Task wait;
        lock (gate)
        {
            wait = resumed.Task;
        }

        return wait.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Blocks the calling (training) thread while paused, until resumed, stopped or a checkpoint is requested;
    /// throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public void WaitWhilePaused(CancellationToken cancellationToken)
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
            while (!resumed.Task.IsCompleted && !stopRequested && checkpointRequests.Count == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Monitor.Wait(gate);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
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
