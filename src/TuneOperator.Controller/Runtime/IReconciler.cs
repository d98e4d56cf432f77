namespace TuneOperator.Controller.Runtime;

/// <summary>
/// Level-based reconcile logic for one kind: given a key, read the current state (from caches or the API), drive the
/// world towards the desired state and say what to do next. It never branches on the event that woke it.
/// </summary>
public interface IReconciler
{
    /// <summary>Reconciles the object named by <paramref name="key"/> (it may no longer exist).</summary>
    /// <returns><see cref="ReconcileResult.Done"/>, <see cref="ReconcileResult.Requeue"/> or
    /// <see cref="ReconcileResult.Failed"/>; throwing counts as failed, and a
    /// <see cref="TerminalReconcileException"/> is not retried.</returns>
    Task<ReconcileResult> ReconcileAsync(NamespacedName key, CancellationToken cancellationToken);
}
