using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Controller.Runtime;

namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>
/// Slims objects before the informers cache them, keeping only what the operator reads, so that each cached job and
/// trainer pod costs little memory. Strings every object repeats (namespace, label keys, container names, phases,
/// reasons) are interned, and parts many objects hold with equal values (spec sub-objects, the attempt label, a
/// pod status that is only a phase, the finalizer list, the Kueue queue label) are one shared instance. Cached objects
/// are read-only (see <see cref="ResourceCache{T}"/>), which is what makes the sharing safe.
/// </summary>
public static class CachedObjects
{
    /// <summary>The annotation <c>kubectl apply</c> keeps (a full copy of the object as applied); never read here.</summary>
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>
    /// A trainer pod as the reconciler reads it: name, namespace, resourceVersion, creation and deletion timestamps,
    /// owner references, the attempt label, the scheduling gates, and the status fields
    /// <see cref="JobStatusCalculator"/> and the trainer driver use (phase, reason, message, pod IP, conditions, the
    /// containers' names, readiness, restart counts and states). Everything else (the UID; the rest of the spec:
    /// containers, env, volumes; other labels; annotations) is dropped.
    /// </summary>
    /// <param name="pod">The pod as listed or watched.</param>
    /// <param name="cachedJob">
    /// The job cache, when there is one: an owner reference to a cached FineTuneJob with the same UID takes that job's
    /// name and UID strings instead of its own copies.
    /// </param>
    public static V1Pod TrimPod(V1Pod pod, Func<NamespacedName, FineTuneJob?>? cachedJob = null)
    {
        var metadata = pod.Metadata ?? new V1ObjectMeta();
        var status = pod.Status;
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = metadata.Name,
                NamespaceProperty = Intern(metadata.NamespaceProperty),
                ResourceVersion = metadata.ResourceVersion,
                CreationTimestamp = metadata.CreationTimestamp,
                DeletionTimestamp = metadata.DeletionTimestamp,
                Labels = metadata.Labels is { } labels && labels.TryGetValue(TrainerPodBuilder.AttemptLabel, out var attempt)
                    ? OneLabel(TrainerPodBuilder.AttemptLabel, attempt)
                    : null,
                OwnerReferences = metadata.OwnerReferences?.Select(owner => TrimOwner(owner, metadata.NamespaceProperty, cachedJob)).ToList(),
            },
            Spec = pod.Spec?.SchedulingGates is { Count: > 0 } gates
                ? new V1PodSpec { SchedulingGates = gates.Select(g => new V1PodSchedulingGate { Name = Intern(g.Name) }).ToList() }
                : null,
            Status = status is null ? null : TrimPodStatus(status),
        };
    }

    /// <summary>
    /// A FineTuneJob as cached: everything the reconciler reads stays. Of the labels only the Kueue queue label
    /// (<see cref="TrainerPodBuilder.KueueQueueLabel"/>) is kept and of the annotations only the trainer sequence
    /// (<see cref="FineTuneJobReconciler.SequenceAnnotation"/>); managedFields go (the status subresource PUT ignores
    /// metadata, so nothing is lost on the server). Spec sub-objects equal to one an earlier job holds are replaced by
    /// that shared instance (most jobs leave most of the spec at its defaults), as are the finalizer list and the
    /// queue label; the namespace and the conditions' types and reasons are interned, and conditions that carry the
    /// same message share one string.
    /// </summary>
    /// <param name="job">The job as listed or watched; trimmed in place.</param>
    /// <param name="cachedJob">
    /// The job cache, when there is one: a new version of a cached job takes the cached version's name and UID strings,
    /// so those stay one instance for the job's lifetime (its pods' owner references point at them too).
    /// </param>
    public static FineTuneJob TrimJob(FineTuneJob job, Func<NamespacedName, FineTuneJob?>? cachedJob = null)
    {
        if (job.Metadata is { } metadata)
        {
            if (cachedJob?.Invoke(NamespacedName.Of(job)) is { Metadata: { } previous } && previous.Uid == metadata.Uid)
            {
                metadata.Name = previous.Name;
                metadata.Uid = previous.Uid;
            }

            metadata.ManagedFields = null;
            metadata.NamespaceProperty = Intern(metadata.NamespaceProperty);
            metadata.Labels = metadata.Labels is { } labels && labels.TryGetValue(TrainerPodBuilder.KueueQueueLabel, out var queue)
                ? OneLabel(TrainerPodBuilder.KueueQueueLabel, queue)
                : null;
            metadata.Annotations = metadata.Annotations is { } annotations
                && annotations.TryGetValue(FineTuneJobReconciler.SequenceAnnotation, out var sequence)
                ? new Dictionary<string, string>(1, StringComparer.Ordinal) { [FineTuneJobReconciler.SequenceAnnotation] = sequence }
                : null;
            metadata.Finalizers = metadata.Finalizers is { Count: > 0 } finalizers ? SharedFinalizers(finalizers) : null;
        }

        if (job.Spec is { } spec)
        {
            spec.Model = Shared.Of(spec.Model);
            spec.Dataset = Shared.Of(spec.Dataset);
            spec.Method = Shared.Of(spec.Method);
            spec.Objective = Shared.Of(spec.Objective);
            spec.Hyperparameters = Shared.Of(spec.Hyperparameters);
            spec.Evaluation = Shared.Of(spec.Evaluation);
            spec.Checkpoint = Shared.Of(spec.Checkpoint);
            spec.Resources = Shared.Of(spec.Resources);
            spec.Trainer = Shared.Of(spec.Trainer);
            spec.RunPolicy = Shared.Of(spec.RunPolicy);
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

    private static V1PodStatus TrimPodStatus(V1PodStatus status)
    {
        var conditions = status.Conditions?
            .Where(c => c.Type is "DisruptionTarget" or "Ready")
            .Select(c => new V1PodCondition { Type = Intern(c.Type), Status = Intern(c.Status), Reason = Intern(c.Reason) })
            .ToList();
        var containers = status.ContainerStatuses?.Select(TrimContainer).ToList();
        if (status.Reason is null && status.Message is null && status.PodIP is null && conditions is not { Count: > 0 } && containers is not { Count: > 0 })
        {
            // A pod the kubelet has not started yet: only its phase, the same for all such pods.
            return Shared.PhaseOnly(status.Phase ?? string.Empty);
        }

        return new V1PodStatus
        {
            Phase = Intern(status.Phase),
            Reason = Intern(status.Reason),
            Message = status.Message,
            PodIP = status.PodIP,
            Conditions = conditions is { Count: > 0 } ? conditions : null,
            ContainerStatuses = containers is { Count: > 0 } ? containers : null,
        };
    }

    // One shared single-entry dictionary per (key, value): the attempt label of pods, the queue label of jobs.
    private static Dictionary<string, string> OneLabel(string key, string value) =>
        Shared.Label(key + "=" + value, () => new Dictionary<string, string>(1, StringComparer.Ordinal) { [key] = Intern(value) });

    private static List<string> SharedFinalizers(IList<string> finalizers) =>
        Shared.Finalizers(string.Join('\n', finalizers), () => finalizers.Select(f => Intern(f)).ToList());

    private static V1OwnerReference TrimOwner(V1OwnerReference owner, string namespaceName, Func<NamespacedName, FineTuneJob?>? cachedJob)
    {
        var (name, uid) = (owner.Name, owner.Uid);
        if (cachedJob is not null && owner.Kind == FineTuneJob.KindName && name is not null
            && cachedJob(new NamespacedName(namespaceName ?? string.Empty, name)) is { Metadata: { } job } && job.Uid == uid)
        {
            (name, uid) = (job.Name, job.Uid);
        }

        return new V1OwnerReference
        {
            ApiVersion = Intern(owner.ApiVersion),
            Kind = Intern(owner.Kind),
            Name = name,
            Uid = uid,
            Controller = owner.Controller,
        };
    }

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

    // Canonical instances of values many cached objects hold. Each pool is bounded: past its capacity a value is kept
    // as it is (unshared), so a stream of distinct values cannot grow it without limit; what a pool holds lives as
    // long as the process (at most 256 values per pool).
    private static class Shared
    {
        private const int Capacity = 256;

        private static readonly ConcurrentDictionary<string, V1PodStatus> Phases = new(StringComparer.Ordinal);
        private static readonly ConcurrentDictionary<string, Dictionary<string, string>> Labels = new(StringComparer.Ordinal);
        private static readonly ConcurrentDictionary<string, List<string>> FinalizerLists = new(StringComparer.Ordinal);

        public static V1PodStatus PhaseOnly(string phase) =>
            Get(Phases, phase, () => new V1PodStatus { Phase = phase.Length == 0 ? null : string.Intern(phase) });

        public static Dictionary<string, string> Label(string key, Func<Dictionary<string, string>> create) => Get(Labels, key, create);

        public static List<string> Finalizers(string key, Func<List<string>> create) => Get(FinalizerLists, key, create);

        // Records compare by value (nested records too; collections by reference, so a sub-object that holds a list or
        // dictionary is shared only with objects holding that same instance, which is still exact).
        [return: NotNullIfNotNull(nameof(value))]
        public static T? Of<T>(T? value)
            where T : class, IEquatable<T> => value is null ? null : Pool<T>.Share(value);

        private static TValue Get<TValue>(ConcurrentDictionary<string, TValue> pool, string key, Func<TValue> create)
        {
            if (pool.TryGetValue(key, out var shared))
            {
                return shared;
            }

            var value = create();
            return pool.Count < Capacity ? pool.GetOrAdd(key, value) : value;
        }

        private static class Pool<T>
            where T : class, IEquatable<T>
        {
            private static readonly ConcurrentDictionary<T, T> Values = new();
            private static int count;

            public static T Share(T value)
            {
                if (Values.TryGetValue(value, out var shared))
                {
                    return shared;
                }

                if (Volatile.Read(ref count) >= Capacity)
                {
                    return value;
                }

                var result = Values.GetOrAdd(value, value);
                if (ReferenceEquals(result, value))
                {
                    Interlocked.Increment(ref count);
                }

                return result;
            }
        }
    }

    // Only for strings from small sets (namespaces, kinds, phases, reasons, container and gate names, attempt numbers):
    // interned strings live as long as the process.
    [return: NotNullIfNotNull(nameof(value))]
    private static string? Intern(string? value) => value is null ? null : string.Intern(value);
}
