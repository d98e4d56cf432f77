using k8s;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Api.Validation;
using TuneOperator.Controller.FineTuneJobs;
using Xunit;

namespace TuneOperator.Controller.Tests.FineTuneJobs;

/// <summary>The cached (trimmed) FineTuneJob keeps everything the reconciler and the status calculator read.</summary>
public sealed class CachedJobTrimTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider time = new();

    public static TheoryData<string> Samples => new(
        Directory.GetFiles(Path.Combine(Runtime.ResourceInformerTests.RepoRoot(), "config", "samples"), "finetunejob-*.yaml")
            .Select(Path.GetFileName).Order()!);

    // A sample job as the API server returns it: every metadata field the operator may meet, and a full status.
    private static FineTuneJob Populated(string sample)
    {
        var yaml = File.ReadAllText(Path.Combine(Runtime.ResourceInformerTests.RepoRoot(), "config", "samples", sample));
        var job = ManifestReader.ReadOrThrow<FineTuneJob>(yaml);
        job.Metadata.NamespaceProperty = "team-a";
        job.Metadata.Uid = "uid-" + job.Metadata.Name;
        job.Metadata.ResourceVersion = "1234";
        job.Metadata.Generation = 3;
        job.Metadata.CreationTimestamp = Now.UtcDateTime;
        job.Metadata.Labels = new Dictionary<string, string>
        {
            ["app.kubernetes.io/part-of"] = "fine-tuning",
            [TrainerPodBuilder.KueueQueueLabel] = "team-queue",
        };
        job.Metadata.Annotations = new Dictionary<string, string>
        {
            [CachedObjects.LastAppliedAnnotation] = "{}",
            [FineTuneJobReconciler.SequenceAnnotation] = "2:17",
            ["note"] = "kept on the server only",
        };
        job.Metadata.Finalizers = [FineTuneJobReconciler.CheckpointFinalizer];
        job.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl", Operation = "Apply" }];
        job.Status = new FineTuneJobStatus
        {
            ObservedGeneration = 3,
            Phase = JobPhase.Running,
            Conditions =
            [
                new Condition { Type = ConditionTypes.Running, Status = ConditionStatus.True, Reason = "TrainerRunning", Message = "Attempt 2 trains.", LastTransitionTime = Now, ObservedGeneration = 3 },
                new Condition { Type = ConditionTypes.Ready, Status = ConditionStatus.False, Reason = "TrainerRunning", Message = "Attempt 2 trains.", LastTransitionTime = Now, ObservedGeneration = 3 },
            ],
            Progress = new JobProgress { Step = 40, TotalSteps = 100, Epoch = 0.4, Percent = 40, TokensPerSecond = 1200, Eta = Now.AddMinutes(5) },
            Metrics = new Dictionary<string, double> { ["trainLoss"] = 1.25, ["evalLoss"] = 1.5 },
            BaselineMetrics = new Dictionary<string, double> { ["evalLoss"] = 2.5 },
            Checkpoints = [new CheckpointStatus { Step = 40, Path = "pvc://results/ckpt-40", Sha256 = "abc", Metric = 1.5, Time = Now }],
            BestCheckpoint = new CheckpointStatus { Step = 40, Path = "pvc://results/ckpt-40" },
            Restarts = 1,
            Failures = 1,
            StartTime = Now.AddHours(-1),
            Lineage = new JobLineage { BaseModelDigest = "sha256:1", DatasetDigest = "sha256:2", SpecHash = "h", ParentJob = "base" },
        };
        return job;
    }

    private static FineTuneJob Clone(FineTuneJob job) => KubernetesJson.Deserialize<FineTuneJob>(KubernetesJson.Serialize(job));

    private static V1Pod RunningPod(FineTuneJob job) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = TrainerPodBuilder.PodName(job.Metadata.Name, 2),
            NamespaceProperty = job.Metadata.NamespaceProperty,
            Uid = "pod-uid",
            Labels = new Dictionary<string, string> { [TrainerPodBuilder.AttemptLabel] = "2" },
            OwnerReferences = [new V1OwnerReference { ApiVersion = job.ApiVersion, Kind = FineTuneJob.KindName, Name = job.Metadata.Name, Uid = job.Metadata.Uid, Controller = true }],
        },
        Status = new V1PodStatus { Phase = "Running", PodIP = "10.0.0.9", Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }] },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void A_populated_job_keeps_its_spec_status_and_the_metadata_the_reconciler_reads(string sample)
    {
        var full = Populated(sample);

        var trimmed = CachedObjects.TrimJob(Clone(full));

        Assert.Equal(KubernetesJson.Serialize(full.Spec), KubernetesJson.Serialize(trimmed.Spec));
        Assert.Equal(KubernetesJson.Serialize(full.Status), KubernetesJson.Serialize(trimmed.Status));
        Assert.Equal(
            (full.ApiVersion, full.Kind, full.Metadata.Name, full.Metadata.NamespaceProperty, full.Metadata.Uid, full.Metadata.ResourceVersion, full.Metadata.Generation, full.Metadata.CreationTimestamp),
            (trimmed.ApiVersion, trimmed.Kind, trimmed.Metadata.Name, trimmed.Metadata.NamespaceProperty, trimmed.Metadata.Uid, trimmed.Metadata.ResourceVersion, trimmed.Metadata.Generation, trimmed.Metadata.CreationTimestamp));
        Assert.Equal([FineTuneJobReconciler.CheckpointFinalizer], trimmed.Metadata.Finalizers);
        Assert.Equal(17, FineTuneJobReconciler.PersistedSequence(trimmed, 2));
        Assert.Equal("team-queue", Assert.Single(trimmed.Metadata.Labels, l => l.Key == TrainerPodBuilder.KueueQueueLabel).Value);

        // What nothing in the operator reads is not cached.
        Assert.Equal([TrainerPodBuilder.KueueQueueLabel], trimmed.Metadata.Labels.Keys);
        Assert.Equal([FineTuneJobReconciler.SequenceAnnotation], trimmed.Metadata.Annotations.Keys);
        Assert.Null(trimmed.Metadata.ManagedFields);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void A_reconcile_from_the_trimmed_job_gives_the_same_pod_plan_and_status_as_from_the_full_job(string sample)
    {
        var full = Populated(sample);
        var trimmed = CachedObjects.TrimJob(Clone(full));
        var pod = RunningPod(full);
        var errors = FineTuneJobValidator.Validate(full);

        Assert.Equal(
            KubernetesJson.Serialize(TrainerPodBuilder.BuildPod(full, 3, "tune-trainer:1.0", "pvc://results/base")),
            KubernetesJson.Serialize(TrainerPodBuilder.BuildPod(trimmed, 3, "tune-trainer:1.0", "pvc://results/base")));
        Assert.Equal(KubernetesJson.Serialize(TrainerPodBuilder.BuildTokenSecret(full, "t")), KubernetesJson.Serialize(TrainerPodBuilder.BuildTokenSecret(trimmed, "t")));
        Assert.Equal(TrainerPlan.Build(full.Spec, "pvc://results/base"), TrainerPlan.Build(trimmed.Spec, "pvc://results/base"));
        Assert.Equal(TrainerPlan.ResumeFrom(full.Status), TrainerPlan.ResumeFrom(trimmed.Status));
        Assert.Equal(errors.Select(e => e.ToString()), FineTuneJobValidator.Validate(trimmed).Select(e => e.ToString()));

        foreach (var pods in new[] { Array.Empty<V1Pod>(), [pod], [CachedObjects.TrimPod(pod)] })
        {
            var fromFull = JobStatusCalculator.Compute(full, pods, errors, time);
            var fromTrimmed = JobStatusCalculator.Compute(trimmed, pods, errors, time);
            Assert.Equal(KubernetesJson.Serialize(fromFull.Status), KubernetesJson.Serialize(fromTrimmed.Status));
            Assert.Equal((fromFull.CreateAttempt, fromFull.DeleteJob, fromFull.RequeueAfter), (fromTrimmed.CreateAttempt, fromTrimmed.DeleteJob, fromTrimmed.RequeueAfter));
            Assert.Equal(fromFull.PodsToDelete, fromTrimmed.PodsToDelete);
        }
    }

    [Fact]
    public void Jobs_with_equal_spec_parts_share_one_instance_of_each_and_different_values_stay_apart()
    {
        var a = CachedObjects.TrimJob(Clone(TestJobs.Minimal("a")));
        var b = CachedObjects.TrimJob(Clone(TestJobs.Minimal("b")));
        var changed = TestJobs.Minimal("c");
        changed.Spec.Hyperparameters = changed.Spec.Hyperparameters with { LearningRate = 1e-5 };
        changed.Spec.RunPolicy = changed.Spec.RunPolicy with { Suspend = true };
        var c = CachedObjects.TrimJob(Clone(changed));

        Assert.Same(a.Spec.Model, b.Spec.Model);
        Assert.Same(a.Spec.Dataset, b.Spec.Dataset);
        Assert.Same(a.Spec.Hyperparameters, b.Spec.Hyperparameters);
        Assert.Same(a.Spec.RunPolicy, b.Spec.RunPolicy);
        Assert.NotSame(a.Spec.Output, b.Spec.Output);
        Assert.Equal("pvc://results/b", b.Spec.Output.Location);
        Assert.NotSame(a.Spec.Hyperparameters, c.Spec.Hyperparameters);
        Assert.Equal(1e-5, c.Spec.Hyperparameters.LearningRate);
        Assert.True(c.Spec.RunPolicy.Suspend);
        Assert.Same(a.Spec.Method, c.Spec.Method);
    }

    [Fact]
    public void Pods_not_started_yet_share_their_status_and_labels_and_started_pods_keep_their_own()
    {
        var job = TestJobs.Minimal("p");
        job.Metadata.Uid = "uid-p";
        var one = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0");
        one.Status = new V1PodStatus { Phase = "Pending", Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False" }], ContainerStatuses = [] };
        var two = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0");
        two.Status = new V1PodStatus { Phase = "Pending" };
        var running = RunningPod(job);

        var (a, b, r) = (CachedObjects.TrimPod(one), CachedObjects.TrimPod(two), CachedObjects.TrimPod(running));

        Assert.Same(a.Status, b.Status);
        Assert.Equal("Pending", a.Status.Phase);
        Assert.Null(a.Status.Conditions);
        Assert.Null(a.Status.ContainerStatuses);
        Assert.Same(a.Metadata.Labels, b.Metadata.Labels);
        Assert.Equal(1, JobStatusCalculator.AttemptOf(a));
        Assert.NotSame(a.Status, r.Status);
        Assert.Equal(("Running", "10.0.0.9", "Ready"), (r.Status.Phase, r.Status.PodIP, Assert.Single(r.Status.Conditions).Type));
        Assert.Equal(2, JobStatusCalculator.AttemptOf(r));
    }

    [Fact]
    public void A_new_version_of_a_cached_job_and_its_pods_reuse_the_cached_jobs_name_and_uid_strings()
    {
        var first = Populated("finetunejob-full.yaml");
        var cache = new global::TuneOperator.Controller.Runtime.ResourceCache<FineTuneJob>();
        var cached = CachedObjects.TrimJob(Clone(first), cache.Get);
        cache.Upsert(cached);
        var update = Clone(first);
        update.Metadata.ResourceVersion = "1235";
        var pod = RunningPod(Clone(first));

        var next = CachedObjects.TrimJob(update, cache.Get);
        var trimmedPod = CachedObjects.TrimPod(pod, cache.Get);

        Assert.Same(cached.Metadata.Uid, next.Metadata.Uid);
        Assert.Same(cached.Metadata.Name, next.Metadata.Name);
        Assert.Equal("1235", next.Metadata.ResourceVersion);
        var owner = Assert.Single(trimmedPod.Metadata.OwnerReferences);
        Assert.Same(cached.Metadata.Uid, owner.Uid);
        Assert.Same(cached.Metadata.Name, owner.Name);

        // A job recreated under the same name (another UID) keeps its own strings, and so do its pods.
        var recreated = Clone(first);
        recreated.Metadata.Uid = "uid-other";
        var otherPod = RunningPod(recreated);
        Assert.Equal("uid-other", CachedObjects.TrimJob(Clone(recreated), cache.Get).Metadata.Uid);
        Assert.Equal("uid-other", Assert.Single(CachedObjects.TrimPod(otherPod, cache.Get).Metadata.OwnerReferences).Uid);
    }
}
