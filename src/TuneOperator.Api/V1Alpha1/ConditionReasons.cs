namespace TuneOperator.Api;

/// <summary>CamelCase reasons for condition transitions.</summary>
public static class ConditionReasons
{
    /// <summary>The spec failed validation; fix it and the resource is reconciled again.</summary>
    public const string InvalidSpec = "InvalidSpec";

    /// <summary>The trainer pod failed more often than <c>spec.runPolicy.backoffLimit</c> allows.</summary>
    public const string BackoffLimitExceeded = "BackoffLimitExceeded";

    /// <summary>The job ran longer than <c>spec.runPolicy.activeDeadlineSeconds</c>.</summary>
    public const string DeadlineExceeded = "DeadlineExceeded";

    /// <summary>The loss on the retention dataset regressed more than <c>spec.evaluation.retention.maxRegression</c>.</summary>
    public const string RetentionRegressed = "RetentionRegressed";

    /// <summary>The bias probe gap exceeded <c>spec.evaluation.biasProbe.maxGap</c>.</summary>
    public const string BiasGapExceeded = "BiasGapExceeded";

    /// <summary>The resource was accepted and waits for its pod to be created or scheduled.</summary>
    public const string Pending = "Pending";

    /// <summary>The trainer pod was created and waits to be scheduled or started.</summary>
    public const string PodPending = "PodPending";

    /// <summary>Training is in progress.</summary>
    public const string Training = "Training";

    /// <summary>The trainer is restarting after a failure, resuming from the last checkpoint.</summary>
    public const string Restarting = "Restarting";

    /// <summary>The trainer pod was evicted or preempted; it is recreated and resumes from the last checkpoint.</summary>
    public const string Preempted = "Preempted";

    /// <summary>The job is suspended by <c>spec.runPolicy.suspend</c>.</summary>
    public const string SuspendedByUser = "SuspendedByUser";

    /// <summary>Training completed and the output was written.</summary>
    public const string Completed = "Completed";

    /// <summary>Training stopped early because the monitored metric stopped improving; the output was written.</summary>
    public const string EarlyStopped = "EarlyStopped";

    /// <summary>The trainer reported a failure it cannot recover from.</summary>
    public const string TrainerFailed = "TrainerFailed";

    /// <summary>The job named by <c>spec.model.fromJob</c> has not succeeded yet.</summary>
    public const string SourceJobNotReady = "SourceJobNotReady";

    /// <summary>The job named by <c>spec.model.fromJob</c> failed or does not exist.</summary>
    public const string SourceJobFailed = "SourceJobFailed";

    /// <summary>The model could not be loaded from its location.</summary>
    public const string ModelNotFound = "ModelNotFound";

    /// <summary>A dataset could not be read from its location.</summary>
    public const string DatasetNotFound = "DatasetNotFound";

    /// <summary>Sweep: trials are running.</summary>
    public const string TrialsRunning = "TrialsRunning";

    /// <summary>Sweep: every trial finished and a best trial was chosen.</summary>
    public const string TrialsCompleted = "TrialsCompleted";

    /// <summary>Sweep: every trial failed, so no best trial exists.</summary>
    public const string AllTrialsFailed = "AllTrialsFailed";

    /// <summary>Deployment: a new model is being rolled out through the canary steps.</summary>
    public const string RollingOut = "RollingOut";

    /// <summary>Deployment: the rollout waits at a canary step's pause.</summary>
    public const string CanaryPaused = "CanaryPaused";

    /// <summary>Deployment: the canary passed every step and was promoted to stable.</summary>
    public const string Promoted = "Promoted";

    /// <summary>Deployment: the analysis gate failed and traffic went back to the stable model.</summary>
    public const string RolledBack = "RolledBack";

    /// <summary>Deployment: the canary analysis failed (error rate, latency or eval score out of bounds).</summary>
    public const string AnalysisFailed = "AnalysisFailed";

    /// <summary>Deployment: the model is not available yet (e.g. its source job has not succeeded).</summary>
    public const string ModelNotReady = "ModelNotReady";

    /// <summary>Deployment: all replicas serve the stable model.</summary>
    public const string Available = "Available";
}
