using System.Globalization;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Api.Validation;
using TuneOperator.Controller.Training;

namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>
/// The level-based core of the FineTuneJob reconciler: from the job, the trainer pods it owns and the clock, computes
/// the new status (phase, kstatus conditions Ready / Reconciling / Stalled beside Running / Suspended / Succeeded /
/// Failed, all stamped with the generation) and the actions to take. Pure: no I/O.
/// </summary>
/// <remarks>
/// Attempts: each pod carries its attempt number. A pod that failed counts against <c>runPolicy.backoffLimit</c>, unless
/// the trainer exited with <see cref="PermanentFailureExitCode"/> (bad data, bad model), which fails the job at once.
/// A disrupted pod (evicted, preempted, deleted by Kueue or a node drain) is a restart that does not count against the
/// backoff limit. Suspend deletes the active pod; resume starts the next attempt (which resumes from the last checkpoint).
/// </remarks>
public static class JobStatusCalculator
{
    /// <summary>The trainer's exit code for a failure that retrying cannot fix.</summary>
    public const int PermanentFailureExitCode = 3;

    /// <summary>The Ready/Reconciling reason while Kueue holds the trainer pod with scheduling gates.</summary>
    public const string WaitingForAdmission = "WaitingForAdmission";

    /// <summary>How often a job waiting for its fromJob parent looks again (besides being woken by the parent's changes).</summary>
    public static readonly TimeSpan ParentPollInterval = TimeSpan.FromSeconds(30);

    private static readonly HashSet<string> DisruptionReasons = new(StringComparer.Ordinal)
    {
        "Evicted", "Preempted", "Preempting", "Shutdown", "Terminated", "NodeLost", "NodeShutdown", "DeletionByTaintManager",
    };

    /// <summary>Computes the decision for one reconcile.</summary>
    /// <param name="job">The job as read now.</param>
    /// <param name="pods">The trainer pods the job owns (all attempts still present).</param>
    /// <param name="specErrors">The job's validation errors (empty when valid).</param>
    /// <param name="time">The clock.</param>
    /// <param name="parent">The job named by spec.model.fromJob as read now (null when it does not exist or none is named).</param>
    /// <param name="trainer">What the current attempt's trainer reported (null when no trainer session runs).</param>
    public static JobDecision Compute(
        FineTuneJob job, IReadOnlyList<V1Pod> pods, IReadOnlyList<ValidationError> specErrors, TimeProvider time, FineTuneJob? parent = null, TrainerView? trainer = null)
    {
        var now = time.GetUtcNow();
        var generation = job.Metadata.Generation ?? 0;
        var status = (job.Status ?? new FineTuneJobStatus()) with { ObservedGeneration = generation };
        var builder = new StatusBuilder(status, generation, time);
        var attempts = pods.Select(pod => (Pod: pod, Attempt: AttemptOf(pod), Outcome: Classify(pod))).OrderBy(a => a.Attempt).ToList();
        var active = attempts.Where(a => a.Outcome is AttemptOutcome.Pending or AttemptOutcome.Running).Select(a => a.Pod.Metadata.Name).ToList();

        if (specErrors.Count > 0)
        {
            var message = string.Join("; ", specErrors.Select(e => e.ToString()));
            builder.Terminal(JobPhase.Failed, ConditionReasons.InvalidSpec, message, now);
            return new JobDecision(builder.Status, null, active, false, null);
        }

        if (status.Phase is JobPhase.Succeeded or JobPhase.Failed)
        {
            return Finished(builder.Status, active, job.Spec.RunPolicy.TtlSecondsAfterFinished, now);
        }

        var failures = attempts.Count(a => a.Outcome == AttemptOutcome.Failed);
        var disrupted = attempts.Count(a => a.Outcome == AttemptOutcome.Disrupted);
        var restarts = Math.Max(status.Restarts ?? 0, failures + disrupted);
        var latest = attempts.Count == 0 ? default : attempts[^1];
        if (active.Count == 0 && attempts.Count == 0 && status.Phase == JobPhase.Running)
        {
            // The running pod vanished (deleted by Kueue on preemption, or by hand): a restart.
            restarts++;
        }

        builder.Status.Failures = failures;
        builder.Status.Restarts = restarts;

        if (job.Spec.RunPolicy.Suspend)
        {
            if (active.Count > 0)
            {
                // The stopped attempt counts as a restart, so the resumed one gets the next attempt number.
                builder.Status.Restarts = Math.Max(restarts, latest.Attempt);
            }

            builder.Suspended();
            return new JobDecision(builder.Status, null, active, false, null);
        }

        builder.NotSuspended();
        TimeSpan? requeue = null;
        if (job.Spec.RunPolicy.ActiveDeadlineSeconds is { } deadlineSeconds && status.StartTime is { } started)
        {
            var deadline = started + TimeSpan.FromSeconds(deadlineSeconds);
            if (now >= deadline)
            {
                builder.Terminal(JobPhase.Failed, ConditionReasons.DeadlineExceeded,
                    $"The job ran longer than runPolicy.activeDeadlineSeconds ({deadlineSeconds.ToString(CultureInfo.InvariantCulture)}s).", now);
                return new JobDecision(builder.Status, null, active, false, null);
            }

            requeue = deadline - now;
        }

        var current = latest.Pod is not null && trainer is not null && trainer.Attempt == latest.Attempt ? trainer : null;
        if (current is { Completed: true })
        {
            builder.Succeeded(now, current.CompletedReason ?? ConditionReasons.Completed);
            return Finished(builder.Status, [], job.Spec.RunPolicy.TtlSecondsAfterFinished, now);
        }

        if (current?.Failure is { Permanent: true } failure)
        {
            builder.Terminal(JobPhase.Failed, failure.Reason, failure.Message, now);
            return new JobDecision(builder.Status, null, active, false, null);
        }

        if (latest.Pod is not null && latest.Outcome == AttemptOutcome.Succeeded)
        {
            builder.Succeeded(now, ConditionReasons.Completed);
            return Finished(builder.Status, [], job.Spec.RunPolicy.TtlSecondsAfterFinished, now);
        }

        if (latest.Pod is not null && latest.Outcome == AttemptOutcome.PermanentFailure)
        {
            builder.Terminal(JobPhase.Failed, ConditionReasons.TrainerFailed,
                $"Pod {latest.Pod.Metadata.Name} failed permanently: {TerminationMessage(latest.Pod)}", now);
            return new JobDecision(builder.Status, null, active, false, null);
        }

        var backoffLimit = job.Spec.RunPolicy.BackoffLimit;
        if (failures > backoffLimit)
        {
            builder.Terminal(JobPhase.Failed, ConditionReasons.BackoffLimitExceeded,
                $"{failures} attempts failed; runPolicy.backoffLimit is {backoffLimit}. Last failure: {TerminationMessage(latest.Pod!)}", now);
            return new JobDecision(builder.Status, null, active, false, null);
        }

        if (latest.Pod is not null && latest.Outcome == AttemptOutcome.Running)
        {
            builder.Running(latest.Pod.Metadata.Name, now);
            return new JobDecision(builder.Status, null, [], false, requeue);
        }

        if (latest.Pod is not null && latest.Outcome == AttemptOutcome.Pending)
        {
            var gates = latest.Pod.Spec?.SchedulingGates?.Select(g => g.Name).ToList() ?? [];
            if (gates.Count > 0)
            {
                builder.Pending(WaitingForAdmission, $"Pod {latest.Pod.Metadata.Name} is held by scheduling gates ({string.Join(", ", gates)}) until Kueue admits the job.");
            }
            else
            {
                builder.Pending(ConditionReasons.PodPending, $"Pod {latest.Pod.Metadata.Name} is waiting to be scheduled or started.");
            }

            return new JobDecision(builder.Status, null, [], false, requeue);
        }

        if (job.Spec.Model.FromJob is { Length: > 0 } parentName)
        {
            if (parent?.Status?.Phase == JobPhase.Failed)
            {
                builder.Terminal(JobPhase.Failed, ConditionReasons.SourceJobFailed,
                    $"spec.model.fromJob: job {parentName} failed, so this job cannot start from its output.", now);
                return new JobDecision(builder.Status, null, [], false, null);
            }

            if (parent?.Status is not { Phase: JobPhase.Succeeded, Output.Path.Length: > 0 })
            {
                builder.Pending(ConditionReasons.SourceJobNotReady, parent is null
                    ? $"spec.model.fromJob: waiting for job {parentName}, which does not exist yet."
                    : $"spec.model.fromJob: waiting for job {parentName} to succeed (it is {parent.Status?.Phase ?? JobPhase.Pending}).");
                return new JobDecision(builder.Status, null, [], false, ParentPollInterval);
            }
        }

        var next = Math.Max(latest.Pod is null ? 0 : latest.Attempt, restarts) + 1;
        builder.Status.StartTime ??= now;
        builder.Pending(
            restarts > 0 ? ConditionReasons.Restarting : ConditionReasons.Pending,
            restarts > 0 ? $"Starting attempt {next} after {restarts} restart(s)." : "Creating the trainer pod.");
        return new JobDecision(builder.Status, next, [], false, requeue);
    }

    /// <summary>The attempt number in a pod's label, or 0 when missing.</summary>
    public static int AttemptOf(V1Pod pod) =>
        pod.Metadata.Labels is { } labels && labels.TryGetValue(TrainerPodBuilder.AttemptLabel, out var text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
            ? attempt
            : 0;

    private static JobDecision Finished(FineTuneJobStatus status, IReadOnlyList<string> active, long? ttlSeconds, DateTimeOffset now)
    {
        if (ttlSeconds is not { } ttl || status.CompletionTime is not { } completed)
        {
            return new JobDecision(status, null, active, false, null);
        }

        var due = completed + TimeSpan.FromSeconds(ttl);
        return now >= due
            ? new JobDecision(status, null, active, true, null)
            : new JobDecision(status, null, active, false, due - now);
    }

    private static AttemptOutcome Classify(V1Pod pod)
    {
        var phase = pod.Status?.Phase;
        if (phase == "Succeeded")
        {
            return AttemptOutcome.Succeeded;
        }

        var disrupted = pod.Metadata.DeletionTimestamp is not null
            || (pod.Status?.Reason is { } reason && DisruptionReasons.Contains(reason))
            || (pod.Status?.Conditions?.Any(c => c.Type == "DisruptionTarget" && c.Status == "True") ?? false);
        if (disrupted)
        {
            return AttemptOutcome.Disrupted;
        }

        if (phase == "Failed")
        {
            var exitCode = TrainerState(pod)?.Terminated?.ExitCode;
            return exitCode == PermanentFailureExitCode ? AttemptOutcome.PermanentFailure : AttemptOutcome.Failed;
        }

        return phase == "Running" ? AttemptOutcome.Running : AttemptOutcome.Pending;
    }

    private static V1ContainerState? TrainerState(V1Pod pod) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == TrainerPodBuilder.ContainerName)?.State;

    private static string TerminationMessage(V1Pod pod)
    {
        var terminated = TrainerState(pod)?.Terminated;
        if (terminated is null)
        {
            return pod.Status?.Message ?? pod.Status?.Reason ?? "no termination details";
        }

        var text = string.IsNullOrWhiteSpace(terminated.Message) ? terminated.Reason ?? "terminated" : terminated.Message.Trim();
        return $"exit code {terminated.ExitCode.ToString(CultureInfo.InvariantCulture)}: {text}";
    }

    private enum AttemptOutcome
    {
        Pending,
        Running,
        Succeeded,
        Failed,
        PermanentFailure,
        Disrupted,
    }

    private sealed class StatusBuilder(FineTuneJobStatus status, long generation, TimeProvider time)
    {
        public FineTuneJobStatus Status { get; } = status;

        public void Terminal(JobPhase phase, string reason, string message, DateTimeOffset now)
        {
            Status.Phase = phase;
            Status.CompletionTime ??= now;
            Set(ConditionTypes.Stalled, ConditionStatus.True, reason, message);
            Set(ConditionTypes.Ready, ConditionStatus.False, reason, message);
            Set(ConditionTypes.Reconciling, ConditionStatus.False, reason, "The job is finished.");
            Set(ConditionTypes.Running, ConditionStatus.False, reason, message);
            Set(ConditionTypes.Failed, ConditionStatus.True, reason, message);
        }

        public void Succeeded(DateTimeOffset now, string reason)
        {
            Status.Phase = JobPhase.Succeeded;
            Status.CompletionTime ??= now;
            var message = reason == ConditionReasons.Completed ? "Training completed." : $"Training completed ({reason}).";
            Set(ConditionTypes.Ready, ConditionStatus.True, reason, message);
            Set(ConditionTypes.Reconciling, ConditionStatus.False, reason, message);
            Set(ConditionTypes.Stalled, ConditionStatus.False, reason, message);
            Set(ConditionTypes.Running, ConditionStatus.False, reason, message);
            Set(ConditionTypes.Succeeded, ConditionStatus.True, reason, message);
        }

        public void Suspended()
        {
            Status.Phase = JobPhase.Suspended;

            // As with Kubernetes Jobs, the active deadline restarts when the job resumes.
            Status.StartTime = null;
            const string message = "runPolicy.suspend is true: the trainer pod is stopped; set it to false to resume.";
            Set(ConditionTypes.Suspended, ConditionStatus.True, ConditionReasons.SuspendedByUser, message);
            Set(ConditionTypes.Running, ConditionStatus.False, ConditionReasons.SuspendedByUser, message);
            Set(ConditionTypes.Reconciling, ConditionStatus.False, ConditionReasons.SuspendedByUser, message);
            Set(ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.SuspendedByUser, message);
            Set(ConditionTypes.Stalled, ConditionStatus.False, ConditionReasons.SuspendedByUser, message);
        }

        public void NotSuspended()
        {
            if (Conditions.IsTrue(Status.Conditions, ConditionTypes.Suspended))
            {
                Set(ConditionTypes.Suspended, ConditionStatus.False, ConditionReasons.Pending, "Resumed.");
            }
        }

        public void Running(string podName, DateTimeOffset now)
        {
            Status.Phase = JobPhase.Running;
            Status.StartTime ??= now;
            var message = $"Pod {podName} is training.";
            Set(ConditionTypes.Running, ConditionStatus.True, ConditionReasons.Training, message);
            Set(ConditionTypes.Reconciling, ConditionStatus.True, ConditionReasons.Training, message);
            Set(ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.Training, message);
            Set(ConditionTypes.Stalled, ConditionStatus.False, ConditionReasons.Training, message);
        }

        public void Pending(string reason, string message)
        {
            Status.Phase = JobPhase.Pending;
            Set(ConditionTypes.Running, ConditionStatus.False, reason, message);
            Set(ConditionTypes.Reconciling, ConditionStatus.True, reason, message);
            Set(ConditionTypes.Ready, ConditionStatus.False, reason, message);
            Set(ConditionTypes.Stalled, ConditionStatus.False, reason, message);
        }

        private void Set(string type, ConditionStatus value, string reason, string message) =>
            Status.Conditions = Conditions.Set(Status.Conditions, type, value, reason, message, generation, time);
    }
}
