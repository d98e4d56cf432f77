namespace TuneOperator.Controller.Runtime;

/// <summary>Receives the measurements a <see cref="WorkQueue{TKey}"/> takes (depth, queue latency, retries).</summary>
public interface IWorkQueueObserver
{
    /// <summary>The number of keys waiting to be processed changed.</summary>
    void DepthChanged(int depth);

    /// <summary>A key was handed to a worker after waiting <paramref name="latency"/> in the queue.</summary>
    void Dequeued(TimeSpan latency);

    /// <summary>A key was scheduled again with backoff after a failure.</summary>
    void Retried();
}
