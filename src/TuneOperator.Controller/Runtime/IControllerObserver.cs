namespace TuneOperator.Controller.Runtime;

/// <summary>The outcome of one reconcile, as counted in metrics.</summary>
public enum ReconcileOutcome
{
    /// <summary>Done without error.</summary>
    Success,

    /// <summary>Done and asked to run again later.</summary>
    Requeue,

    /// <summary>Failed; retried with backoff.</summary>
    Error,

    /// <summary>Failed permanently; not retried.</summary>
    Terminal,
}

/// <summary>Receives the measurements a <see cref="ControllerLoop"/> takes.</summary>
public interface IControllerObserver
{
    /// <summary>A reconcile of <paramref name="controller"/> finished.</summary>
    void Reconciled(string controller, ReconcileOutcome outcome, TimeSpan duration);
}
