using k8s;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using Xunit;

namespace TuneOperator.Controller.Tests.FineTuneJobs;

public sealed class CachedObjectsTests
{
    private readonly ManualTimeProvider time = new();

    private static FineTuneJob Job(string? queue = null) => new()
    {
        ApiVersion = ApiGroup.Group + "/" + ApiGroup.Version,
        Kind = FineTuneJob.KindName,
        Metadata = new V1ObjectMeta
        {
            Name = "sft", NamespaceProperty = "team-a", Uid = "uid-1", Generation = 1,
            Labels = queue is null ? null : new Dictionary<string, string> { [TrainerPodBuilder.KueueQueueLabel] = queue },
        },
        Spec = new FineTuneJobSpec
        {
            Model = new ModelSpec { Source = "pvc://models/base" },
            Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl" },
            Output = new OutputSpec { Location = "pvc://results/sft" },
        },
    };

    private static V1Pod Pod(FineTuneJob job, int attempt, V1PodStatus? status, bool deleting = false, bool gated = false)
    {
        var pod = TrainerPodBuilder.BuildPod(job, attempt, "tune-trainer:1.0");
        pod.Metadata.Uid = "pod-uid-" + attempt;
        pod.Metadata.ResourceVersion = "4" + attempt;
        pod.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubelet", Operation = "Update" }];
        pod.Metadata.DeletionTimestamp = deleting ? new DateTime(2026, 11, 27, 11, 0, 0, DateTimeKind.Utc) : null;
        pod.Spec.SchedulingGates = gated ? [new V1PodSchedulingGate { Name = "kueue.x-k8s.io/admission" }] : null;
        pod.Status = status;
        return pod;
    }

    private static V1PodStatus Terminated(string phase, int exitCode) => new()
    {
        Phase = phase,
        PodIP = "10.0.0.7",
        ContainerStatuses =
        [
            new V1ContainerStatus
            {
                Name = TrainerPodBuilder.ContainerName, Image = "tune-trainer:1.0", ImageID = "sha256:abc", Ready = false, RestartCount = 1,
                State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = "Error", Message = "row 12 is not JSON" } },
            },
        ],
    };

    public static TheoryData<string> PodStates => ["new", "pending-gated", "running-ready", "failed", "failed-permanent", "evicted", "disruption-target", "deleting", "succeeded"];

    [Theory]
    [MemberData(nameof(PodStates))]
    public void A_trimmed_pod_gives_the_same_decision_as_the_full_pod(string state)
    {
        var job = Job(queue: state == "pending-gated" ? "team-queue" : null);
        var pod = state switch
        {
            "new" => Pod(job, 1, null),
            "pending-gated" => Pod(job, 1, new V1PodStatus { Phase = "Pending" }, gated: true),
            "running-ready" => Pod(job, 1, new V1PodStatus
            {
                Phase = "Running", PodIP = "10.0.0.7",
                Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }, new V1PodCondition { Type = "PodScheduled", Status = "True" }],
                ContainerStatuses = [new V1ContainerStatus { Name = TrainerPodBuilder.ContainerName, Image = "i", ImageID = "", Ready = true, RestartCount = 0 }],
            }),
            "failed" => Pod(job, 1, Terminated("Failed", 1)),
            "failed-permanent" => Pod(job, 1, Terminated("Failed", JobStatusCalculator.PermanentFailureExitCode)),
            "evicted" => Pod(job, 1, new V1PodStatus { Phase = "Failed", Reason = "Evicted", Message = "The node was low on memory." }),
            "disruption-target" => Pod(job, 1, new V1PodStatus
            {
                Phase = "Running", Conditions = [new V1PodCondition { Type = "DisruptionTarget", Status = "True", Reason = "PreemptionByScheduler" }],
            }),
            "deleting" => Pod(job, 1, new V1PodStatus { Phase = "Running" }, deleting: true),
            "succeeded" => Pod(job, 1, Terminated("Succeeded", 0)),
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown pod state"),
        };

        var full = JobStatusCalculator.Compute(job, [pod], [], time);
        var trimmed = CachedObjects.TrimPod(Clone(pod));
        var slim = JobStatusCalculator.Compute(job, [trimmed], [], time);

        Assert.Equal(KubernetesJson.Serialize(full.Status), KubernetesJson.Serialize(slim.Status));
        Assert.Equal((full.CreateAttempt, full.DeleteJob, full.RequeueAfter), (slim.CreateAttempt, slim.DeleteJob, slim.RequeueAfter));
        Assert.Equal(full.PodsToDelete, slim.PodsToDelete);
        Assert.Equal(JobStatusCalculator.AttemptOf(pod), JobStatusCalculator.AttemptOf(trimmed));
        Assert.Equal(
            (pod.Metadata.Name, pod.Metadata.NamespaceProperty, pod.Metadata.ResourceVersion, pod.Status?.PodIP),
            (trimmed.Metadata.Name, trimmed.Metadata.NamespaceProperty, trimmed.Metadata.ResourceVersion, trimmed.Status?.PodIP));
        Assert.Equal(job.Metadata.Uid, trimmed.Metadata.OwnerReferences.Single(o => o.Controller == true).Uid);
    }

    [Fact]
    public void A_trimmed_pod_keeps_no_containers_volumes_annotations_or_managed_fields()
    {
        var pod = Pod(Job(queue: "team-queue"), 2, Terminated("Failed", 1));

        var trimmed = CachedObjects.TrimPod(pod);

        Assert.Null(trimmed.Spec);
        Assert.Null(trimmed.Metadata.Uid);
        Assert.Null(trimmed.Metadata.Annotations);
        Assert.Null(trimmed.Metadata.ManagedFields);
        Assert.Equal([TrainerPodBuilder.AttemptLabel], trimmed.Metadata.Labels.Keys);
        var container = Assert.Single(trimmed.Status.ContainerStatuses);
        Assert.Equal((TrainerPodBuilder.ContainerName, 1, 1, "row 12 is not JSON"),
            (container.Name, container.RestartCount, container.State.Terminated.ExitCode, container.State.Terminated.Message));
        Assert.Null(container.Image);
        Assert.True(KubernetesJson.Serialize(trimmed).Length < KubernetesJson.Serialize(pod).Length / 3);
    }

    [Fact]
    public void A_trimmed_job_drops_managed_fields_and_the_last_applied_annotation_and_keeps_the_rest()
    {
        var job = Job();
        job.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl", Operation = "Apply" }];
        job.Metadata.Annotations = new Dictionary<string, string>
        {
            [CachedObjects.LastAppliedAnnotation] = KubernetesJson.Serialize(job.Spec),
            [FineTuneJobReconciler.SequenceAnnotation] = "1:42",
        };
        var spec = KubernetesJson.Serialize(job.Spec);

        var trimmed = CachedObjects.TrimJob(job);

        Assert.Null(trimmed.Metadata.ManagedFields);
        Assert.Equal([FineTuneJobReconciler.SequenceAnnotation], trimmed.Metadata.Annotations.Keys);
        Assert.Equal(42, FineTuneJobReconciler.PersistedSequence(trimmed, 1));
        Assert.Equal(spec, KubernetesJson.Serialize(trimmed.Spec));
        Assert.Equal(("sft", "team-a", "uid-1"), (trimmed.Metadata.Name, trimmed.Metadata.NamespaceProperty, trimmed.Metadata.Uid));
    }

    [Fact]
    public void A_trimmed_jobs_conditions_keep_their_values_and_share_repeated_messages()
    {
        var job = Job();
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var message = string.Concat("Pod tune-sft-1 is waiting ", "to be scheduled.");
        job.Status = new FineTuneJobStatus
        {
            Conditions =
            [
                new Condition { Type = ConditionTypes.Ready, Status = ConditionStatus.False, Reason = ConditionReasons.PodPending, Message = message, LastTransitionTime = now },
                new Condition { Type = ConditionTypes.Reconciling, Status = ConditionStatus.True, Reason = ConditionReasons.PodPending, Message = new string(message), LastTransitionTime = now, ObservedGeneration = 1 },
            ],
        };
        var before = KubernetesJson.Serialize(job.Status);

        var trimmed = CachedObjects.TrimJob(job);

        Assert.Equal(before, KubernetesJson.Serialize(trimmed.Status));
        Assert.Same(trimmed.Status!.Conditions![0].Message, trimmed.Status.Conditions[1].Message);
    }

    private static V1Pod Clone(V1Pod pod) => KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod));
}
