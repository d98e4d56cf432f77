using k8s.Models;
using TuneOperator.Api;

namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>
/// Slims objects before the informers cache them, keeping only what the operator reads, so that each cached job and
/// trainer pod costs little memory. Strings every object repeats (namespace, label keys, container names, phases,
/// reasons) are interned.
/// </summary>
public static class CachedObjects
{
    /// <summary>The annotation <c>kubectl apply</c> keeps (a full copy of the object as applied); never read here.</summary>
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>
    /// A trainer pod as the reconciler reads it: name, namespace, UID, resourceVersion, creation and deletion
    /// timestamps, owner references, the attempt label, the scheduling gates, and the status fields
    /// <see cref="JobStatusCalculator"/> and the trainer driver use (phase, reason, message, pod IP, conditions, the
    /// containers' names, readiness, restart counts and states). Everything else (the rest of the spec: containers,
    /// env, volumes; other labels; annotations) is dropped.
    /// </summary>
    public static V1Pod TrimPod(V1Pod pod)
    {
        var metadata = pod.Metadata ?? new V1ObjectMeta();
        var status = pod.Status;
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = metadata.Name,
                NamespaceProperty = Intern(metadata.NamespaceProperty),
                Uid = metadata.Uid,
                ResourceVersion = metadata.ResourceVersion,
                CreationTimestamp = metadata.CreationTimestamp,
                DeletionTimestamp = metadata.DeletionTimestamp,
                Labels = metadata.Labels is { } labels && labels.TryGetValue(TrainerPodBuilder.AttemptLabel, out var attempt)
                    ? new Dictionary<string, string>(1, StringComparer.Ordinal) { [TrainerPodBuilder.AttemptLabel] = Intern(attempt) }
                    : null,
                OwnerReferences = metadata.OwnerReferences?.Select(TrimOwner).ToList(),
            },
            Spec = pod.Spec?.SchedulingGates is { Count: > 0 } gates
                ? new V1PodSpec { SchedulingGates = gates.Select(g => new V1PodSchedulingGate { Name = Intern(g.Name) }).ToList() }
                : null,
            Status = status is null ? null : new V1PodStatus
            {
                Phase = Intern(status.Phase),
                Reason = Intern(status.Reason),
                Message = status.Message,
                PodIP = status.PodIP,
                Conditions = status.Conditions?
                    .Where(c => c.Type is "DisruptionTarget" or "Ready")
                    .Select(c => new V1PodCondition { Type = Intern(c.Type), Status = Intern(c.Status), Reason = Intern(c.Reason) })
                    .ToList(),
                ContainerStatuses = status.ContainerStatuses?.Select(TrimContainer).ToList(),
            },
        };
    }

    /// <summary>
    /// A FineTuneJob as cached: everything the reconciler reads stays; managedFields and the last-applied annotation
    /// (a second copy of the spec) are dropped; the namespace, finalizers and the conditions' types and reasons are
    /// interned, and conditions that carry the same message share one string.
    /// </summary>
    public static FineTuneJob TrimJob(FineTuneJob job)
    {
        if (job.Metadata is { } metadata)
        {
            metadata.ManagedFields = null;
            metadata.NamespaceProperty = Intern(metadata.NamespaceProperty);
            if (metadata.Annotations is { } annotations && annotations.Remove(LastAppliedAnnotation) && annotations.Count == 0)
            {
                metadata.Annotations = null;
            }

            if (metadata.Finalizers is { Count: > 0 } finalizers)
            {
                metadata.Finalizers = finalizers.Select(Intern).ToList();
            }
        }

        if (job.Status?.Conditions is { Count: > 0 } conditions)
        {
            for (var i = 0; i < conditions.Count; i++)
            {
                var condition = conditions[i];
                var message = condition.Message;
                for (var j = 0; j < i && message is not null; j++)
                {
                    if (string.Equals(conditions[j].Message, message, StringComparison.Ordinal))
                    {
                        message = conditions[j].Message;
                        break;
                    }
                }

                conditions[i] = condition with { Type = Intern(condition.Type), Reason = Intern(condition.Reason), Message = message };
            }
        }

        return job;
    }

    private static V1OwnerReference TrimOwner(V1OwnerReference owner) => new()
    {
        ApiVersion = Intern(owner.ApiVersion),
        Kind = Intern(owner.Kind),
        Name = owner.Name,
        Uid = owner.Uid,
        Controller = owner.Controller,
    };

    private static V1ContainerStatus TrimContainer(V1ContainerStatus container) => new()
    {
        Name = Intern(container.Name),
        Ready = container.Ready,
        RestartCount = container.RestartCount,
        State = container.State is not { } state ? null : new V1ContainerState
        {
            Running = state.Running is null ? null : new V1ContainerStateRunning { StartedAt = state.Running.StartedAt },
            Waiting = state.Waiting is null ? null : new V1ContainerStateWaiting { Reason = Intern(state.Waiting.Reason), Message = state.Waiting.Message },
            Terminated = state.Terminated is null ? null : new V1ContainerStateTerminated
            {
                ExitCode = state.Terminated.ExitCode,
                Reason = Intern(state.Terminated.Reason),
                Message = state.Terminated.Message,
            },
        },
    };

    // Only for strings from small sets (namespaces, kinds, phases, reasons, container and gate names, attempt numbers):
    // interned strings live as long as the process.
    private static string Intern(string value) => value is null ? null! : string.Intern(value);
}
