namespace TuneOperator.Api;

/// <summary>Condition types. Ready, Reconciling and Stalled follow kstatus so Argo CD, Flux and
/// <c>kubectl wait</c> understand every resource; the others are domain conditions.</summary>
public static class ConditionTypes
{
    /// <summary>True only when the job succeeded, the sweep finished with a best trial, or the deployment is fully
    /// rolled out and serving.</summary>
    public const string Ready = "Ready";

    /// <summary>True while the operator is still working towards the desired state.</summary>
    public const string Reconciling = "Reconciling";

    /// <summary>True when progress stopped for good: an invalid spec or a terminal failure.</summary>
    public const string Stalled = "Stalled";

    /// <summary>True while a trainer pod is training (or serving, for a deployment).</summary>
    public const string Running = "Running";

    /// <summary>True while <c>spec.runPolicy.suspend</c> holds the job.</summary>
    public const string Suspended = "Suspended";

    /// <summary>True when training completed and the output was written.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>True when the job failed for good.</summary>
    public const string Failed = "Failed";

    /// <summary>Deployment: true while the canary analysis passes.</summary>
    public const string AnalysisPassing = "AnalysisPassing";
}
