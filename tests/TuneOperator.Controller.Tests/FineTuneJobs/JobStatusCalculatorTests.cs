using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Api.Validation;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Training;
using Xunit;

namespace TuneOperator.Controller.Tests.FineTuneJobs;

public sealed class JobStatusCalculatorTests
{
    private readonly ManualTimeProvider time = new();

    private static FineTuneJob Job(Action<RunPolicySpec>? policy = null)
    {
        var job = new FineTuneJob
        {
            Metadata = new V1ObjectMeta { Name = "sft", NamespaceProperty = "team-a", Uid = "uid-1", Generation = 2 },
            Spec = new FineTuneJobSpec
            {
                Model = new ModelSpec { Source = "pvc://models/base" },
                Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl" },
                Output = new OutputSpec { Location = "pvc://results/sft" },
            },
        };
        policy?.Invoke(job.Spec.RunPolicy);
        return job;
    }

    private static V1Pod Pod(FineTuneJob job, int attempt, string phase, int? exitCode = null, string? reason = null)
    {
        var pod = TrainerPodBuilder.BuildPod(job, attempt, "tune-trainer:1.0");
        pod.Status = new V1PodStatus
        {
            Phase = phase,
            Reason = reason,
            ContainerStatuses = exitCode is null ? null :
            [
                new V1ContainerStatus
                {
                    Name = TrainerPodBuilder.ContainerName, Image = "tune-trainer:1.0", ImageID = "", Ready = false, RestartCount = 0,
                    State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode.Value, Message = "dataset row 12 is not JSON" } },
                },
            ],
        };
        return pod;
    }

    private JobDecision Compute(FineTuneJob job, params V1Pod[] pods) => JobStatusCalculator.Compute(job, pods, [], time);

    private static ConditionStatus? Condition(JobDecision decision, string type) =>
        Conditions.Find(decision.Status.Conditions, type)?.Status;

    private static string? Reason(JobDecision decision, string type) =>
        Conditions.Find(decision.Status.Conditions, type)?.Reason;

    [Fact]
    public void A_new_job_creates_its_first_attempt_and_is_reconciling()
    {
        var decision = Compute(Job());

        Assert.Equal(1, decision.CreateAttempt);
        Assert.Equal(JobPhase.Pending, decision.Status.Phase);
        Assert.Equal(2, decision.Status.ObservedGeneration);
        Assert.Equal(ConditionStatus.True, Condition(decision, ConditionTypes.Reconciling));
        Assert.Equal(ConditionStatus.False, Condition(decision, ConditionTypes.Ready));
        Assert.All(decision.Status.Conditions!, c => Assert.Equal(2, c.ObservedGeneration));
    }

    [Fact]
    public void The_happy_path_goes_from_pending_to_running_to_succeeded_and_ready()
    {
        var job = Job();
        var pending = Compute(job, Pod(job, 1, "Pending"));
        Assert.Null(pending.CreateAttempt);
        Assert.Equal(ConditionReasons.PodPending, Reason(pending, ConditionTypes.Reconciling));

        job.Status = pending.Status;
        var running = Compute(job, Pod(job, 1, "Running"));
        Assert.Equal(JobPhase.Running, running.Status.Phase);
        Assert.Equal(ConditionStatus.True, Condition(running, ConditionTypes.Running));
        Assert.NotNull(running.Status.StartTime);

        job.Status = running.Status;
        time.Advance(TimeSpan.FromMinutes(10));
        var done = Compute(job, Pod(job, 1, "Succeeded", exitCode: 0));
        Assert.Equal(JobPhase.Succeeded, done.Status.Phase);
        Assert.Equal(ConditionStatus.True, Condition(done, ConditionTypes.Ready));
        Assert.Equal(ConditionStatus.False, Condition(done, ConditionTypes.Reconciling));
        Assert.Equal(ConditionStatus.False, Condition(done, ConditionTypes.Stalled));
        Assert.Equal(ConditionStatus.True, Condition(done, ConditionTypes.Succeeded));
        Assert.Equal(time.GetUtcNow(), done.Status.CompletionTime);
        Assert.Null(done.CreateAttempt);
    }

    [Fact]
    public void Failed_attempts_are_retried_up_to_the_backoff_limit_then_the_job_stalls()
    {
        var job = Job(policy => policy.BackoffLimit = 2);
        var retry = Compute(job, Pod(job, 1, "Failed", exitCode: 1), Pod(job, 2, "Failed", exitCode: 137));
        Assert.Equal(3, retry.CreateAttempt);
        Assert.Equal(2, retry.Status.Failures);
        Assert.Equal(ConditionReasons.Restarting, Reason(retry, ConditionTypes.Reconciling));

        var stalled = Compute(job, Pod(job, 1, "Failed", exitCode: 1), Pod(job, 2, "Failed", exitCode: 1), Pod(job, 3, "Failed", exitCode: 1));
        Assert.Null(stalled.CreateAttempt);
        Assert.Equal(JobPhase.Failed, stalled.Status.Phase);
        Assert.Equal(ConditionStatus.True, Condition(stalled, ConditionTypes.Stalled));
        Assert.Equal(ConditionReasons.BackoffLimitExceeded, Reason(stalled, ConditionTypes.Stalled));
        Assert.Equal(ConditionStatus.True, Condition(stalled, ConditionTypes.Failed));
        Assert.Equal(ConditionStatus.False, Condition(stalled, ConditionTypes.Ready));
    }

    [Fact]
    public void A_permanent_trainer_failure_is_not_retried()
    {
        var job = Job(policy => policy.BackoffLimit = 5);
        var decision = Compute(job, Pod(job, 1, "Failed", exitCode: JobStatusCalculator.PermanentFailureExitCode));

        Assert.Null(decision.CreateAttempt);
        Assert.Equal(ConditionReasons.TrainerFailed, Reason(decision, ConditionTypes.Stalled));
        Assert.Contains("dataset row 12 is not JSON", Conditions.Find(decision.Status.Conditions, ConditionTypes.Stalled)!.Message);
    }

    [Fact]
    public void Evicted_or_vanished_pods_are_restarts_that_do_not_count_against_the_backoff_limit()
    {
        var job = Job(policy => policy.BackoffLimit = 0);
        var evicted = Compute(job, Pod(job, 1, "Failed", reason: "Evicted"));
        Assert.Equal(2, evicted.CreateAttempt);
        Assert.Equal(0, evicted.Status.Failures);
        Assert.Equal(1, evicted.Status.Restarts);

        job.Status = new FineTuneJobStatus { Phase = JobPhase.Running, StartTime = time.GetUtcNow() };
        var vanished = Compute(job);
        Assert.Equal(2, vanished.CreateAttempt);
        Assert.Equal(1, vanished.Status.Restarts);

        job.Status = vanished.Status;
        Assert.Equal(2, Compute(job).CreateAttempt);
    }

    [Fact]
    public void An_invalid_spec_stalls_without_creating_a_pod()
    {
        var decision = JobStatusCalculator.Compute(Job(), [], [new ValidationError("spec.dataset.train", "is required")], time);

        Assert.Null(decision.CreateAttempt);
        Assert.Equal(JobPhase.Failed, decision.Status.Phase);
        Assert.Equal(ConditionReasons.InvalidSpec, Reason(decision, ConditionTypes.Stalled));
        Assert.Contains("spec.dataset.train: is required", Conditions.Find(decision.Status.Conditions, ConditionTypes.Stalled)!.Message);
    }

    [Fact]
    public void Suspend_deletes_the_active_pod_and_resume_starts_the_next_attempt()
    {
        var job = Job(policy => policy.Suspend = true);
        var running = Pod(job, 1, "Running");
        var suspended = Compute(job, running);
        Assert.Equal(JobPhase.Suspended, suspended.Status.Phase);
        Assert.Equal([running.Metadata.Name], suspended.PodsToDelete);
        Assert.Equal(ConditionStatus.True, Condition(suspended, ConditionTypes.Suspended));
        Assert.Null(suspended.CreateAttempt);

        job.Spec.RunPolicy.Suspend = false;
        job.Status = suspended.Status with { Restarts = 1 };
        var resumed = Compute(job);
        Assert.Equal(2, resumed.CreateAttempt);
        Assert.Equal(ConditionStatus.False, Condition(resumed, ConditionTypes.Suspended));
    }

    [Fact]
    public void The_active_deadline_fails_the_job_and_stops_its_pod()
    {
        var job = Job(policy => policy.ActiveDeadlineSeconds = 600);
        job.Status = new FineTuneJobStatus { Phase = JobPhase.Running, StartTime = time.GetUtcNow() };
        var pod = Pod(job, 1, "Running");

        var before = Compute(job, pod);
        Assert.Equal(TimeSpan.FromSeconds(600), before.RequeueAfter);

        time.Advance(TimeSpan.FromSeconds(600));
        var after = Compute(job, pod);
        Assert.Equal(ConditionReasons.DeadlineExceeded, Reason(after, ConditionTypes.Stalled));
        Assert.Equal([pod.Metadata.Name], after.PodsToDelete);
    }

    [Fact]
    public void A_finished_job_is_deleted_after_its_ttl()
    {
        var job = Job(policy => policy.TtlSecondsAfterFinished = 60);
        job.Status = new FineTuneJobStatus { Phase = JobPhase.Succeeded, CompletionTime = time.GetUtcNow() };

        var waiting = Compute(job);
        Assert.False(waiting.DeleteJob);
        Assert.Equal(TimeSpan.FromSeconds(60), waiting.RequeueAfter);

        time.Advance(TimeSpan.FromSeconds(60));
        Assert.True(Compute(job).DeleteJob);
    }

    [Fact]
    public void An_unchanged_observation_yields_an_equal_status_so_nothing_is_written()
    {
        var job = Job();
        job.Status = Compute(job, Pod(job, 1, "Running")).Status;
        time.Advance(TimeSpan.FromMinutes(1));
        var again = Compute(job, Pod(job, 1, "Running")).Status;

        Assert.Equal(job.Status.Phase, again.Phase);
        Assert.Equal(job.Status.StartTime, again.StartTime);
        Assert.Equal(job.Status.Conditions!, again.Conditions!);
    }

    private static FineTuneJob Child() => new()
    {
        Metadata = new V1ObjectMeta { Name = "child", NamespaceProperty = "team-a", Uid = "uid-2", Generation = 1 },
        Spec = new FineTuneJobSpec
        {
            Model = new ModelSpec { FromJob = "sft" },
            Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl" },
            Output = new OutputSpec { Location = "pvc://results/child" },
        },
    };

    [Fact]
    public void A_child_waits_for_a_missing_or_running_parent_and_starts_once_it_succeeded()
    {
        var missing = JobStatusCalculator.Compute(Child(), [], [], time);
        Assert.Null(missing.CreateAttempt);
        Assert.Equal(ConditionReasons.SourceJobNotReady, Reason(missing, ConditionTypes.Ready));
        Assert.Equal(JobStatusCalculator.ParentPollInterval, missing.RequeueAfter);

        var parent = Job();
        parent.Status = new FineTuneJobStatus { Phase = JobPhase.Running };
        var running = JobStatusCalculator.Compute(Child(), [], [], time, parent);
        Assert.Null(running.CreateAttempt);
        Assert.Equal(JobPhase.Pending, running.Status.Phase);

        parent.Status = new FineTuneJobStatus { Phase = JobPhase.Succeeded, Output = new ModelArtifact { Path = "pvc://results/sft" } };
        Assert.Equal(1, JobStatusCalculator.Compute(Child(), [], [], time, parent).CreateAttempt);
    }

    [Fact]
    public void A_child_of_a_failed_parent_stalls()
    {
        var parent = Job();
        parent.Status = new FineTuneJobStatus { Phase = JobPhase.Failed };
        var decision = JobStatusCalculator.Compute(Child(), [], [], time, parent);
        Assert.Equal(JobPhase.Failed, decision.Status.Phase);
        Assert.Equal(ConditionReasons.SourceJobFailed, Reason(decision, ConditionTypes.Stalled));
        Assert.Null(decision.CreateAttempt);
    }

    [Fact]
    public void The_current_attempts_trainer_outcome_decides_success_or_permanent_failure()
    {
        var job = Job();
        var pod = Pod(job, 1, "Running");
        var completed = TrainerView.Seed(1, 0, null) with { Completed = true, CompletedReason = ConditionReasons.EarlyStopped };
        var success = JobStatusCalculator.Compute(job, [pod], [], time, trainer: completed);
        Assert.Equal(JobPhase.Succeeded, success.Status.Phase);
        Assert.Equal(ConditionReasons.EarlyStopped, Reason(success, ConditionTypes.Ready));

        var permanent = TrainerView.Seed(1, 0, null) with { Failure = new TrainerFailure("RetentionRegressed", "retention loss rose 12%", true) };
        var failed = JobStatusCalculator.Compute(job, [pod], [], time, trainer: permanent);
        Assert.Equal(JobPhase.Failed, failed.Status.Phase);
        Assert.Equal("RetentionRegressed", Reason(failed, ConditionTypes.Stalled));
        Assert.Equal([pod.Metadata.Name], failed.PodsToDelete);

        var stale = TrainerView.Seed(0, 0, null) with { Completed = true };
        Assert.Equal(JobPhase.Running, JobStatusCalculator.Compute(job, [pod], [], time, trainer: stale).Status.Phase);
    }

    [Fact]
    public void A_gated_pod_reports_waiting_for_admission_and_suspend_then_resume_takes_the_next_attempt()
    {
        var job = Job();
        var gated = Pod(job, 1, "Pending");
        gated.Spec.SchedulingGates = [new V1PodSchedulingGate { Name = "kueue.x-k8s.io/admission" }];
        var waiting = Compute(job, gated);
        Assert.Equal(JobPhase.Pending, waiting.Status.Phase);
        Assert.Equal(JobStatusCalculator.WaitingForAdmission, Reason(waiting, ConditionTypes.Ready));

        var suspendedJob = Job(p => p.Suspend = true);
        var suspended = Compute(suspendedJob, Pod(suspendedJob, 1, "Running"));
        Assert.Equal(1, suspended.Status.Restarts);
        var resumedJob = Job();
        resumedJob.Status = suspended.Status;
        Assert.Equal(2, Compute(resumedJob).CreateAttempt);
    }
}
