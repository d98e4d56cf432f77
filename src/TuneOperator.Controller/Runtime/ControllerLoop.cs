using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace TuneOperator.Controller.Runtime;

/// <summary>
/// Runs one reconciler: N workers take keys from a fresh <see cref="WorkQueue{TKey}"/> and call the reconciler.
/// Success forgets the key's backoff, <see cref="ReconcileResult.RequeueAfter"/> schedules it again, an error retries it
/// with backoff, and a <see cref="TerminalReconcileException"/> drops it. Keys enqueued while the loop is not running
/// are ignored: a run starts by enqueuing every key <c>initialKeys</c> returns (level-based start). When the run ends
/// (shutdown or lost leadership), <c>onStopped</c> is awaited after the workers: background work the reconciler
/// started (trainer watchers) is stopped there.
/// </summary>
public sealed class ControllerLoop(
    string name,
    IReconciler reconciler,
    int workers,
    Func<IEnumerable<NamespacedName>> initialKeys,
    ILogger logger,
    TimeProvider? timeProvider = null,
    WorkQueueOptions? queueOptions = null,
    IControllerObserver? observer = null,
    IWorkQueueObserver? queueObserver = null,
    Func<Task>? onStopped = null)
{
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;
    private WorkQueue<NamespacedName>? current;

    /// <summary>The controller's name (the kind it reconciles), used in logs and metrics.</summary>
    public string Name { get; } = name;

    /// <summary>True while <see cref="RunAsync"/> runs.</summary>
    public bool IsRunning => Volatile.Read(ref current) is not null;

    /// <summary>Queues a key for reconcile (merged with a waiting one); ignored while not running.</summary>
    public void Enqueue(NamespacedName key) => Volatile.Read(ref current)?.Add(key);

    /// <summary>Queues a key after a delay; ignored while not running.</summary>
    public void EnqueueAfter(NamespacedName key, TimeSpan delay) => Volatile.Read(ref current)?.AddAfter(key, delay);

    /// <summary>Runs the workers until <paramref name="cancellationToken"/> is cancelled, then waits for them to stop.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (workers < 1)
        {
            throw new InvalidOperationException($"Controller {Name} needs at least one worker (was {workers}).");
        }

        using var queue = new WorkQueue<NamespacedName>(time, queueOptions, queueObserver);
        if (Interlocked.CompareExchange(ref current, queue, null) is not null)
        {
            throw new InvalidOperationException($"Controller {Name} is already running.");
        }

        try
        {
            foreach (var key in initialKeys())
            {
                queue.Add(key);
            }

            Log.ControllerStarted(logger, Name, workers);
            var tasks = new Task[workers];
            for (var i = 0; i < workers; i++)
            {
                tasks[i] = WorkAsync(queue, cancellationToken);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Shutdown requested: stop handing out keys and let the workers finish the key in hand.
            }

            queue.ShutDown();
            await Task.WhenAll(tasks);
            if (onStopped is not null)
            {
                await onStopped();
            }

            Log.ControllerStopped(logger, Name);
        }
        finally
        {
            Volatile.Write(ref current, null);
        }
    }

    private async Task WorkAsync(WorkQueue<NamespacedName> queue, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            var (key, shutDown) = await queue.GetAsync(CancellationToken.None);
            if (shutDown)
            {
                return;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                queue.Done(key);
                return;
            }

            try
            {
                await ProcessAsync(queue, key, cancellationToken);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private async Task ProcessAsync(WorkQueue<NamespacedName> queue, NamespacedName key, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        ReconcileResult result;
        try
        {
            result = await reconciler.ReconcileAsync(key, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            result = ReconcileResult.Failed(ex);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        ReconcileOutcome outcome;
        if (result.Error is TerminalReconcileException terminal)
        {
            queue.Forget(key);
            outcome = ReconcileOutcome.Terminal;
            Log.ReconcileTerminal(logger, terminal, Name, key);
        }
        else if (result.Error is { } error)
        {
            queue.AddRateLimited(key);
            outcome = ReconcileOutcome.Error;
            Log.ReconcileFailed(logger, error, Name, key, queue.NumRequeues(key));
        }
        else if (result.RequeueAfter is { } delay)
        {
            queue.Forget(key);
            queue.AddAfter(key, delay);
            outcome = ReconcileOutcome.Requeue;
        }
        else
        {
            queue.Forget(key);
            outcome = ReconcileOutcome.Success;
        }

        observer?.Reconciled(Name, outcome, elapsed);
    }
}
