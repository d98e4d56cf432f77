using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using TuneOperator.Api;
using TuneOperator.Api.Validation;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;

namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>
/// Reconciles one FineTuneJob, level-based: reads the job and its trainer pods from the caches, validates the spec,
/// computes the decision with <see cref="JobStatusCalculator"/>, applies it (token Secret, trainer Pod with a
/// deterministic name, deletions), and writes the status once, only when it changed.
/// </summary>
public sealed partial class FineTuneJobReconciler(
    IKubernetes client,
    ResourceCache<FineTuneJob> jobs,
    ResourceCache<V1Pod> pods,
    string defaultTrainerImage,
    EventRecorder events,
    OperatorMetrics metrics,
    ILogger logger,
    TimeProvider time) : IReconciler
{
    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(NamespacedName key, CancellationToken cancellationToken)
    {
        var job = jobs.Get(key);
        UpdatePhaseMetrics();
        if (job is null)
        {
            metrics.RemoveJob(key.Namespace, key.Name);
            return ReconcileResult.Done;
        }

        if (job.Metadata.DeletionTimestamp is not null)
        {
            // Owner references let the garbage collector remove the pod and the Secret.
            return ReconcileResult.Done;
        }

        var errors = FineTuneJobValidator.Validate(job);
        var owned = pods.ListByOwner(job.Metadata.Uid)
            .Where(pod => pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == job.Metadata.Uid) == true)
            .ToList();
        var decision = JobStatusCalculator.Compute(job, owned, errors, time);

        if (decision.CreateAttempt is { } attempt)
        {
            await EnsureTokenSecretAsync(job, cancellationToken);
            var pod = TrainerPodBuilder.BuildPod(job, attempt, defaultTrainerImage);
            if (await CreateIfAbsentAsync(() => client.CoreV1.CreateNamespacedPodAsync(pod, key.Namespace, cancellationToken: cancellationToken)))
            {
                LogPodCreated(logger, pod.Metadata.Name, key);
                await events.RecordAsync(job, EventRecorder.Normal, "PodCreated", $"Created trainer pod {pod.Metadata.Name} (attempt {attempt}).", cancellationToken);
            }
        }

        foreach (var podName in decision.PodsToDelete)
        {
            await DeleteIfPresentAsync(() => client.CoreV1.DeleteNamespacedPodAsync(podName, key.Namespace, cancellationToken: cancellationToken));
        }

        if (decision.DeleteJob)
        {
            await DeleteIfPresentAsync(() => client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                ApiGroup.Group, ApiGroup.Version, key.Namespace, FineTuneJob.Plural, key.Name, cancellationToken: cancellationToken));
            return ReconcileResult.Done;
        }

        if (!SameStatus(job.Status, decision.Status))
        {
            var updated = new FineTuneJob { ApiVersion = job.ApiVersion, Kind = job.Kind, Metadata = job.Metadata, Spec = job.Spec, Status = decision.Status };
            await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(
                updated, ApiGroup.Group, ApiGroup.Version, key.Namespace, FineTuneJob.Plural, key.Name, cancellationToken: cancellationToken);
            if (decision.Status.Phase != job.Status?.Phase && Conditions.Find(decision.Status.Conditions, ConditionTypes.Stalled) is { Status: ConditionStatus.True } stalled)
            {
                await events.RecordAsync(job, EventRecorder.Warning, stalled.Reason, stalled.Message ?? stalled.Reason, cancellationToken);
            }
        }

        return decision.RequeueAfter is { } delay && delay > TimeSpan.Zero ? ReconcileResult.Requeue(delay) : ReconcileResult.Done;
    }

    private static bool SameStatus(FineTuneJobStatus? current, FineTuneJobStatus next) =>
        current is not null && KubernetesJson.Serialize(current) == KubernetesJson.Serialize(next);

    private async Task EnsureTokenSecretAsync(FineTuneJob job, CancellationToken cancellationToken)
    {
        var name = TrainerPodBuilder.TokenSecretName(job.Metadata.Name);
        try
        {
            await client.CoreV1.ReadNamespacedSecretAsync(name, job.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            var secret = TrainerPodBuilder.BuildTokenSecret(job, TrainerPodBuilder.NewToken());
            await CreateIfAbsentAsync(() => client.CoreV1.CreateNamespacedSecretAsync(secret, job.Metadata.NamespaceProperty, cancellationToken: cancellationToken));
        }
    }

    private static async Task<bool> CreateIfAbsentAsync(Func<Task> create)
    {
        try
        {
            await create();
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            // Already created (an earlier reconcile whose cache had not caught up yet): deterministic names make this safe.
            return false;
        }
    }

    private static async Task DeleteIfPresentAsync(Func<Task> delete)
    {
        try
        {
            await delete();
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone.
        }
    }

    private void UpdatePhaseMetrics()
    {
        var counts = jobs.List()
            .GroupBy(j => (j.Status?.Phase ?? JobPhase.Pending).ToString())
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        metrics.SetJobsByPhase(counts);
    }

    [LoggerMessage(3001, LogLevel.Information, "Created trainer pod {Pod} for FineTuneJob {Job}")]
    private static partial void LogPodCreated(ILogger logger, string pod, NamespacedName job);
}
