namespace TuneOperator.Controller.Runtime;

/// <summary>
/// A work queue with client-go semantics. A key added while it waits is merged with the waiting one; a key being
/// processed is never handed to a second worker, and when it is added again meanwhile it is queued once the first
/// worker calls <see cref="Done"/>. Failed keys come back after a per-key exponential backoff
/// (<see cref="AddRateLimited"/>), <see cref="AddAfter"/> schedules a key later, <see cref="Forget"/> resets the
/// backoff, and <see cref="ShutDown"/> stops new work while the keys already queued are still handed out (drained).
/// </summary>
/// <typeparam name="TKey">The key type, usually <see cref="NamespacedName"/>.</typeparam>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly Lock gate = new();
    private readonly Queue<TKey> queue = new();
    private readonly HashSet<TKey> dirty = [];
    private readonly HashSet<TKey> processing = [];
    private readonly Dictionary<TKey, long> enqueuedAt = [];
    private readonly Dictionary<TKey, int> failures = [];
    private readonly Dictionary<TKey, DelayedAdd> waiting = [];
    private readonly TimeProvider time;
    private readonly WorkQueueOptions options;
    private readonly IWorkQueueObserver? observer;
    private TaskCompletionSource changed = NewSignal();
    private bool shuttingDown;

    /// <summary>Creates an empty queue.</summary>
    public WorkQueue(TimeProvider? timeProvider = null, WorkQueueOptions? options = null, IWorkQueueObserver? observer = null)
    {
        time = timeProvider ?? TimeProvider.System;
        this.options = options ?? new WorkQueueOptions();
        if (this.options.BaseDelay <= TimeSpan.Zero || this.options.MaxDelay < this.options.BaseDelay)
        {
            throw new ArgumentException("WorkQueueOptions.BaseDelay must be positive and MaxDelay at least BaseDelay.", nameof(options));
        }

        this.observer = observer;
    }

    /// <summary>The number of keys waiting to be handed out (not counting keys being processed or scheduled later).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    /// <summary>Whether <see cref="ShutDown"/> was called.</summary>
    public bool IsShuttingDown
    {
        get
        {
            lock (gate)
            {
                return shuttingDown;
            }
        }
    }

    /// <summary>Adds a key now; merged with the same key when it already waits. Ignored after shutdown.</summary>
    public void Add(TKey key)
    {
        TaskCompletionSource? wake = null;
        lock (gate)
        {
            if (shuttingDown || !dirty.Add(key))
            {
                return;
            }

            if (processing.Contains(key))
            {
                return;
            }

            Enqueue(key);
            wake = TakeSignal();
        }

        wake.TrySetResult();
    }

    /// <summary>Adds a key after <paramref name="delay"/>. When the key is already scheduled, the earlier time wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (gate)
        {
            if (shuttingDown)
            {
                return;
            }

            var due = time.GetUtcNow() + delay;
            if (waiting.TryGetValue(key, out var existing))
            {
                if (existing.Due <= due)
                {
                    return;
                }

                existing.Timer.Dispose();
            }

            var state = new DelayedAddState(this, key);
            var timer = time.CreateTimer(static s => ((DelayedAddState)s!).Fire(), state, delay, Timeout.InfiniteTimeSpan);
            waiting[key] = new DelayedAdd(due, timer, state);
        }
    }

    /// <summary>Schedules a key again after its next backoff delay (the key's failure count grows by one).</summary>
    public void AddRateLimited(TKey key)
    {
        TimeSpan delay;
        lock (gate)
        {
            if (shuttingDown)
            {
                return;
            }

            var count = failures.GetValueOrDefault(key) + 1;
            failures[key] = count;
            delay = BackoffFor(count);
        }

        observer?.Retried();
        AddAfter(key, delay);
    }

    /// <summary>The delay the n-th consecutive failure waits.</summary>
    public TimeSpan BackoffFor(int failureCount)
    {
        if (failureCount <= 0)
        {
            return TimeSpan.Zero;
        }

        var exponent = Math.Min(failureCount - 1, 62);
        var ticks = options.BaseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= options.MaxDelay.Ticks ? options.MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Resets the key's backoff after a success.</summary>
    public void Forget(TKey key)
    {
        lock (gate)
        {
            failures.Remove(key);
        }
    }

    /// <summary>How many consecutive failures the key has had since the last <see cref="Forget"/>.</summary>
    public int NumRequeues(TKey key)
    {
        lock (gate)
        {
            return failures.GetValueOrDefault(key);
        }
    }

    /// <summary>
    /// Waits for the next key and marks it as being processed; the caller must call <see cref="Done"/> with it.
    /// Returns <c>(default, true)</c> once the queue is shut down and empty.
    /// </summary>
    public async ValueTask<(TKey? Key, bool ShutDown)> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            lock (gate)
            {
                if (queue.Count > 0)
                {
                    var key = queue.Dequeue();
                    processing.Add(key);
                    dirty.Remove(key);
                    var latency = enqueuedAt.Remove(key, out var start) ? time.GetElapsedTime(start) : TimeSpan.Zero;
                    observer?.DepthChanged(queue.Count);
                    observer?.Dequeued(latency);
                    return (key, false);
                }

                if (shuttingDown)
                {
                    return (default, true);
                }

                signal = changed.Task;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Marks a key as processed; when it was added meanwhile it is queued again.</summary>
    public void Done(TKey key)
    {
        TaskCompletionSource? wake = null;
        lock (gate)
        {
            processing.Remove(key);
            if (dirty.Contains(key))
            {
                Enqueue(key);
                wake = TakeSignal();
            }
            else if (processing.Count == 0 && shuttingDown)
            {
                wake = TakeSignal();
            }
        }

        wake?.TrySetResult();
    }

    /// <summary>Stops accepting keys; waiting workers drain what is queued and then see shutdown.</summary>
    public void ShutDown()
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            shuttingDown = true;
            foreach (var delayed in waiting.Values)
            {
                delayed.Timer.Dispose();
            }

            waiting.Clear();
            wake = TakeSignal();
        }

        wake.TrySetResult();
    }

    /// <summary>Shuts down and waits until no key is queued or being processed.</summary>
    public async Task ShutDownWithDrainAsync(CancellationToken cancellationToken)
    {
        ShutDown();
        while (true)
        {
            Task signal;
            lock (gate)
            {
                if (processing.Count == 0 && queue.Count == 0)
                {
                    return;
                }

                signal = changed.Task;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public void Dispose() => ShutDown();

    private void Enqueue(TKey key)
    {
        queue.Enqueue(key);
        enqueuedAt[key] = time.GetTimestamp();
        observer?.DepthChanged(queue.Count);
    }

    private TaskCompletionSource TakeSignal()
    {
        var current = changed;
        changed = NewSignal();
        return current;
    }

    private void FireDelayed(TKey key, DelayedAddState state)
    {
        lock (gate)
        {
            if (!waiting.TryGetValue(key, out var delayed) || !ReferenceEquals(delayed.State, state))
            {
                return;
            }

            waiting.Remove(key);
            delayed.Timer.Dispose();
        }

        Add(key);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record DelayedAdd(DateTimeOffset Due, ITimer Timer, DelayedAddState State);

    private sealed class DelayedAddState(WorkQueue<TKey> owner, TKey key)
    {
        public void Fire() => owner.FireDelayed(key, this);
    }
}
