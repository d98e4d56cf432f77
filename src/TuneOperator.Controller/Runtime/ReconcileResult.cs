namespace TuneOperator.Controller.Runtime;

/// <summary>What a reconcile asks the controller to do next.</summary>
public sealed record ReconcileResult
{
    private ReconcileResult(TimeSpan? requeueAfter, Exception? error)
    {
        RequeueAfter = requeueAfter;
        Error = error;
    }

    /// <summary>Nothing more to do until the object (or something it watches) changes.</summary>
    public static ReconcileResult Done { get; } = new(null, null);

    /// <summary>When set, reconcile the key again after this delay (waiting, polling).</summary>
    public TimeSpan? RequeueAfter { get; }

    /// <summary>When set, the reconcile failed and is retried with per-key exponential backoff.</summary>
    public Exception? Error { get; }

    /// <summary>Reconcile again after <paramref name="delay"/>; the key's backoff is reset.</summary>
    public static ReconcileResult Requeue(TimeSpan delay) =>
        delay > TimeSpan.Zero
            ? new(delay, null)
            : throw new ArgumentOutOfRangeException(nameof(delay), delay, "RequeueAfter must be positive.");

    /// <summary>The reconcile failed: retry with backoff. A <see cref="TerminalReconcileException"/> is not retried.</summary>
    public static ReconcileResult Failed(Exception error) => new(null, error);
}
