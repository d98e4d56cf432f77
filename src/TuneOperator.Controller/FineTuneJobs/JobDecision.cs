using TuneOperator.Api;

namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>What one reconcile of a FineTuneJob should do, computed in memory from the job and its pods.</summary>
/// <param name="Status">The new status (write it once, only when it differs from the current one).</param>
/// <param name="CreateAttempt">When set, create the trainer pod of this attempt.</param>
/// <param name="PodsToDelete">Names of running or pending trainer pods to delete (suspend, deadline, terminal state).</param>
/// <param name="DeleteJob">True when ttlSecondsAfterFinished has passed and the job itself should be deleted.</param>
/// <param name="RequeueAfter">When set, reconcile again after this delay (deadline or TTL timers).</param>
public sealed record JobDecision(
    FineTuneJobStatus Status,
    int? CreateAttempt,
    IReadOnlyList<string> PodsToDelete,
    bool DeleteJob,
    TimeSpan? RequeueAfter);
