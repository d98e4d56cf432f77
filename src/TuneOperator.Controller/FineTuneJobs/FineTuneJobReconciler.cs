using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using TuneOperator.Api;
using TuneOperator.Api.Validation;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;
using TuneOperator.Controller.Training;
using TuneOperator.Protos;
using TuneOperator.Controller.Hosting;

namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>
/// Reconciles one FineTuneJob, level-based: reads the job and its trainer pods from the caches, validates the spec,
/// computes the decision with <see cref="JobStatusCalculator"/>, applies it (token Secret, trainer Pod with a
/// deterministic name, deletions), and writes the status once, only when it changed.
/// </summary>
public sealed partial class FineTuneJobReconciler(
    KubeApiClient client,
    ResourceCache<FineTuneJob> jobs,
    ResourceCache<V1Pod> pods,
    string defaultTrainerImage,
    EventRecorder events,
    OperatorMetrics metrics,
    ILogger logger,
    TimeProvider time,
    TrainerSupervisor? trainers = null,
    FineTuneJobReconcilerOptions? options = null) : IReconciler
{
    /// <summary>Where FineTuneJobs live in the API.</summary>
    public static ResourceType JobType { get; } = new(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural);

    /// <summary>The finalizer that lets the operator ask the trainer for a checkpoint before the job goes away.</summary>
    public const string CheckpointFinalizer = "tuneoperator.io/checkpoint";

    /// <summary>The annotation holding the last trainer event folded into the status: <c>&lt;attempt&gt;:&lt;sequence&gt;</c>.</summary>
    public const string SequenceAnnotation = "tuneoperator.io/trainer-sequence";

    private readonly FineTuneJobReconcilerOptions settings = options ?? new FineTuneJobReconcilerOptions();
    private readonly ConcurrentDictionary<string, DateTimeOffset> lastWrites = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<string>> ownWrites = new(StringComparer.Ordinal);

    // Jobs this reconciler wrote (finalizer patch, status, trainer sequence) whose write the job cache does not hold yet:
    // the job informer and the pod informer are separate watches, so a pod event can start a reconcile before the job
    // event of the reconciler's own last write arrives. Such a reconcile reads the job as the write returned it (see
    // Current). An entry goes as soon as the cache holds a version that is not older than the write.
    private readonly ConcurrentDictionary<NamespacedName, WrittenJob> written = new();

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(NamespacedName key, CancellationToken cancellationToken)
    {
        var job = jobs.Get(key);
        if (job is null)
        {
            written.TryRemove(key, out _);
            metrics.RemoveJob(key.Namespace, key.Name);
            return ReconcileResult.Done;
        }

        job = Current(key, job);

        // Versions of this job that this reconcile itself writes (finalizer patch, status): their watch events carry
        // nothing new when the written state is settled (see RecordOwnWrites).
        var ownVersions = new List<string>(2);

        if (job.Metadata.DeletionTimestamp is not null)
        {
            // Owner references let the garbage collector remove the pod and the Secret; first a last checkpoint.
            await FinalizeAsync(job, cancellationToken);
            return ReconcileResult.Done;
        }

        var errors = FineTuneJobValidator.Validate(job);
        var owned = pods.ListByOwner(job.Metadata.Uid)
            .Where(pod => pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == job.Metadata.Uid) == true)
            .ToList();
        var parent = job.Spec.Model.FromJob is { Length: > 0 } parentName ? jobs.Get(new NamespacedName(key.Namespace, parentName)) : null;
        var view = trainers?.View(job.Metadata.Uid);
        var decision = JobStatusCalculator.Compute(job, owned, errors, time, parent, view);
        var status = decision.Status;
        if (view is not null)
        {
            Fold(status, view);
        }

        V1Pod? createdPod = null;
        if (decision.CreateAttempt is { } attempt)
        {
            var withFinalizer = await EnsureFinalizerAsync(job, cancellationToken);
            if (!ReferenceEquals(withFinalizer, job))
            {
                ownVersions.Add(withFinalizer.Metadata.ResourceVersion);
                Remember(job, withFinalizer);
                job = withFinalizer;
            }

            await EnsureTokenSecretAsync(job, cancellationToken);
            var parentOutput = parent?.Status?.Output?.Path is { Length: > 0 } parentPath ? parentPath : parent?.Spec?.Output?.Location;
            var pod = TrainerPodBuilder.BuildPod(job, attempt, defaultTrainerImage, parentOutput);
            if (await CreateIfAbsentAsync(() => client.CreateAsync(ResourceType.Pods, key.Namespace, pod, cancellationToken)))
            {
                LogPodCreated(logger, pod.Metadata.Name, key);
                await events.RecordAsync(job, EventRecorder.Normal, "PodCreated", $"Created trainer pod {pod.Metadata.Name} (attempt {attempt}).", cancellationToken);

                // The status reports the pod just created (pending), as the next reconcile would once the pod informer
                // has it (computed from the status this reconcile produced, so restarts and start time carry over):
                // one status write per new pod instead of two.
                createdPod = pod;
                var produced = new FineTuneJob { ApiVersion = job.ApiVersion, Kind = job.Kind, Metadata = job.Metadata, Spec = job.Spec, Status = status };
                decision = JobStatusCalculator.Compute(produced, [.. owned, pod], errors, time, parent, view);
                status = decision.Status;
                if (view is not null)
                {
                    Fold(status, view);
                }
            }
        }

        if (trainers is not null && status.Phase != JobPhase.Failed
            && decision.PodsToDelete.Any(pod => trainers.FirstDisruptionOf(job.Metadata.Uid, pod)))
        {
            // Suspend: a checkpoint first (once per pod), so the next attempt resumes from here.
            await CheckpointIntoAsync(job, status, cancellationToken);
        }

        foreach (var podName in decision.PodsToDelete)
        {
            await DeleteIfPresentAsync(() => client.DeleteAsync(ResourceType.Pods, key.Namespace, podName, cancellationToken));
        }

        if (trainers is not null)
        {
            await DriveTrainerAsync(job, owned, parent, status, cancellationToken);
        }

        if (decision.DeleteJob)
        {
            await DeleteIfPresentAsync(() => client.DeleteAsync(JobType, key.Namespace, key.Name, cancellationToken));
            return ReconcileResult.Done;
        }

        var requeue = decision.RequeueAfter;
        if (!SameStatus(job.Status, status))
        {
            var wait = ThrottleDelay(job, status);
            if (wait is { } delay)
            {
                requeue = requeue is { } other && other < delay ? other : delay;
            }
            else
            {
                var read = job;
                job = await WriteStatusAsync(job, status, reporting: view is not null || status.Phase == JobPhase.Running, cancellationToken);
                ownVersions.Add(job.Metadata.ResourceVersion);
                Remember(read, job);
            }
        }

        if (view is not null && trainers is not null && SameStatus(job.Status, status)
            && await PersistSequenceAsync(job, view, cancellationToken) is { } annotated)
        {
            Remember(job, annotated);
        }

        if (status.Phase is JobPhase.Succeeded or JobPhase.Failed && trainers is not null && SameStatus(job.Status, status))
        {
            await trainers.StopAsync(job.Metadata.Uid);
            lastWrites.TryRemove(job.Metadata.Uid, out _);
        }

        if (ownVersions.Count > 0 && view is null && decision.PodsToDelete.Count == 0 && SameStatus(job.Status, status))
        {
            requeue = RecordOwnWrites(job, owned, createdPod, errors, parent, ownVersions, requeue);
        }

        return requeue is { } after && after > TimeSpan.Zero ? ReconcileResult.Requeue(after) : ReconcileResult.Done;
    }

    /// <summary>
    /// True when <paramref name="job"/> is the echo of this reconciler's own write (finalizer patch or status) of a
    /// settled state: reconciling it again would change nothing, so the controller need not enqueue it. Each
    /// recorded version is answered once.
    /// </summary>
    public bool IsOwnSettledWrite(FineTuneJob job)
    {
        var uid = job.Metadata.Uid;
        var version = job.Metadata.ResourceVersion;
        if (uid is null || version is null || !ownWrites.TryGetValue(uid, out var versions))
        {
            return false;
        }

        lock (versions)
        {
            if (!versions.Remove(version))
            {
                return false;
            }

            if (versions.Count == 0)
            {
                ownWrites.TryRemove(new KeyValuePair<string, List<string>>(uid, versions));
            }

            return true;
        }
    }

    /// <summary>
    /// Tells the reconciler which version of a job the job cache holds now (call it for every job event, after the
    /// cache changed): once that version is not older than the reconciler's last write of the job, the remembered
    /// write is dropped.
    /// </summary>
    public void Observe(FineTuneJob job)
    {
        var key = NamespacedName.Of(job);
        if (written.TryGetValue(key, out var last) && !last.IsNewerThan(job))
        {
            written.TryRemove(new KeyValuePair<NamespacedName, WrittenJob>(key, last));
        }
    }

    /// <summary>Drops what the reconciler remembers about a job that went away.</summary>
    public void Forget(FineTuneJob job)
    {
        written.TryRemove(NamespacedName.Of(job), out _);
        if (job.Metadata.Uid is { } uid)
        {
            ownWrites.TryRemove(uid, out _);
            lastWrites.TryRemove(uid, out _);
        }
    }

    // The job to reconcile: the cached one, unless the cache still holds a version from before this reconciler's last
    // write of the job (its watch event is still on the way); then the job as that write returned it. Reconciling the
    // older version would act on a status the server no longer has: a job whose Running status is not cached yet
    // would take its preempted pod's disappearance for a job that never ran and recreate the same attempt, and a job
    // whose final status is not cached yet would still look running and get a new trainer session.
    private FineTuneJob Current(NamespacedName key, FineTuneJob cached)
    {
        if (!written.TryGetValue(key, out var last))
        {
            return cached;
        }

        if (last.IsNewerThan(cached))
        {
            return last.Job;
        }

        written.TryRemove(new KeyValuePair<NamespacedName, WrittenJob>(key, last));
        return cached;
    }

    // Keeps the job a write returned, with the versions older than it the cache may still show: the one the write was
    // based on, and those of the earlier writes the cache has not caught up with. The status update is conditional on
    // the version it read, so it answers with the next one, and the cache moves forward only: a cached version outside
    // that list is the write itself or a later one. (A metadata patch is not conditional; a version someone else wrote
    // between the read and the patch is not listed, and a cache holding it is read as it is, as without this.)
    private void Remember(FineTuneJob read, FineTuneJob result)
    {
        var key = NamespacedName.Of(result);
        var older = new List<string>(2);
        if (written.TryGetValue(key, out var last) && last.Job.Metadata.Uid == result.Metadata.Uid)
        {
            older.AddRange(last.Older);
            older.Add(last.Job.Metadata.ResourceVersion);
        }

        older.Add(read.Metadata.ResourceVersion);
        var entry = new WrittenJob(result, older);
        written[key] = entry;

        // The job event of the write may have been handled before the entry was stored (Observe then found none).
        if (jobs.Get(key) is { } cached && !entry.IsNewerThan(cached))
        {
            written.TryRemove(new KeyValuePair<NamespacedName, WrittenJob>(key, entry));
        }
    }

    // After a write, computes the job once more from the state the caches will hold (the written job, its pods and the
    // pod just created). When that is a fixed point (same status, nothing to create or delete, no pod running whose
    // trainer needs driving), the watch events of the writes are recorded so the controller skips them; a requeue the
    // second pass asks for is kept. Otherwise nothing is recorded and those events reconcile as usual.
    private TimeSpan? RecordOwnWrites(
        FineTuneJob job, IReadOnlyList<V1Pod> owned, V1Pod? createdPod, IReadOnlyList<ValidationError> errors, FineTuneJob? parent,
        List<string> versions, TimeSpan? requeue)
    {
        var pods = createdPod is null ? owned : [.. owned, createdPod];
        if (pods.Any(pod => pod.Status?.Phase == "Running"))
        {
            return requeue;
        }

        var again = JobStatusCalculator.Compute(job, pods, errors, time, parent);
        if (again.CreateAttempt is not null || again.PodsToDelete.Count > 0 || again.DeleteJob || !SameStatus(job.Status, again.Status))
        {
            return requeue;
        }

        // Versions the job cache already holds were (or are being) handled by the informer before this point: recorded,
        // they would never be answered and would stay in memory for the job's lifetime.
        var cached = jobs.Get(NamespacedName.Of(job))?.Metadata.ResourceVersion;
        var seen = cached is null ? -1 : versions.IndexOf(cached);
        var list = versions.Skip(seen + 1).Where(v => !string.IsNullOrEmpty(v)).ToList();
        if (list.Count > 0)
        {
            ownWrites[job.Metadata.Uid] = list;
        }
        else
        {
            ownWrites.TryRemove(job.Metadata.Uid, out _);
        }

        return again.RequeueAfter is { } next && (requeue is null || next < requeue) ? next : requeue;
    }

    // The write time is kept only while a trainer may report (a trainer view, or the job running): progress and metrics,
    // the only changes ThrottleDelay holds back, come from the trainer, and a job that is not running gets a view only
    // after a phase change, which is written at once. So idle jobs (pending, suspended, finished) keep no entry.
    private async Task<FineTuneJob> WriteStatusAsync(FineTuneJob job, FineTuneJobStatus status, bool reporting, CancellationToken cancellationToken)
    {
        var updated = new FineTuneJob { ApiVersion = job.ApiVersion, Kind = job.Kind, Metadata = job.Metadata, Spec = job.Spec, Status = status };
        var written = await client.ReplaceStatusAsync(
            JobType, job.Metadata.NamespaceProperty, job.Metadata.Name, updated, cancellationToken);
        if (reporting)
        {
            lastWrites[job.Metadata.Uid] = time.GetUtcNow();
        }
        else
        {
            lastWrites.TryRemove(job.Metadata.Uid, out _);
        }

        if (status.Phase != job.Status?.Phase && Conditions.Find(status.Conditions, ConditionTypes.Stalled) is { Status: ConditionStatus.True } stalled)
        {
            await events.RecordAsync(job, EventRecorder.Warning, stalled.Reason, stalled.Message ?? stalled.Reason, cancellationToken);
        }

        return written ?? updated;
    }

    // Progress and metrics alone are written at most once per interval; anything else (phase, conditions, checkpoints,
    // output, restarts) is written at once.
    private TimeSpan? ThrottleDelay(FineTuneJob job, FineTuneJobStatus next)
    {
        if (job.Status is null || !lastWrites.TryGetValue(job.Metadata.Uid, out var last))
        {
            return null;
        }

        var withOldProgress = next with { Progress = job.Status.Progress, Metrics = job.Status.Metrics };
        if (!SameStatus(job.Status, withOldProgress))
        {
            return null;
        }

        var due = last + settings.StatusInterval - time.GetUtcNow();
        return due > TimeSpan.Zero ? due : null;
    }

    private static void Fold(FineTuneJobStatus status, TrainerView view)
    {
        status.Progress = view.Progress;
        status.Metrics = view.Metrics.Count == 0 ? status.Metrics : new Dictionary<string, double>(view.Metrics, StringComparer.Ordinal);
        status.Checkpoints = view.Checkpoints.Count == 0 ? status.Checkpoints : [.. view.Checkpoints];
        status.BestCheckpoint = view.BestCheckpoint ?? status.BestCheckpoint;
        status.BaselineMetrics = view.BaselineMetrics is { Count: > 0 } baseline
            ? new Dictionary<string, double>(baseline, StringComparer.Ordinal)
            : status.BaselineMetrics;
        if (view.Completed)
        {
            status.Output = view.Output;
            var lineage = view.Lineage ?? new JobLineage();
            status.Lineage = lineage with { ParentJob = status.Lineage?.ParentJob ?? lineage.ParentJob };
        }
    }

    private async Task DriveTrainerAsync(FineTuneJob job, IReadOnlyList<V1Pod> owned, FineTuneJob? parent, FineTuneJobStatus status, CancellationToken cancellationToken)
    {
        if (status.Phase is JobPhase.Succeeded or JobPhase.Failed or JobPhase.Suspended)
        {
            return;
        }

        var latest = owned.OrderBy(JobStatusCalculator.AttemptOf).LastOrDefault();
        if (latest is null || latest.Status?.Phase != "Running")
        {
            return;
        }

        var uid = job.Metadata.Uid;
        var disrupted = latest.Metadata.DeletionTimestamp is not null
            || (latest.Status.Conditions?.Any(c => c.Type == "DisruptionTarget" && c.Status == "True") ?? false);
        if (disrupted)
        {
            // Eviction or preemption: the pod is going away; save what can be saved for the next attempt.
            if (trainers!.FirstDisruptionOf(uid, latest.Metadata.Name))
            {
                await CheckpointIntoAsync(job, status, cancellationToken);
            }

            return;
        }

        // The pod's Ready condition: the kubelet sets it once the trainer's gRPC readiness probe passes.
        var ready = latest.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
        if (!ready || string.IsNullOrEmpty(latest.Status.PodIP))
        {
            return;
        }

        var attempt = JobStatusCalculator.AttemptOf(latest);
        var ip = latest.Status.PodIP.Contains(':', StringComparison.Ordinal) ? "[" + latest.Status.PodIP + "]" : latest.Status.PodIP;
        var start = new StartRequest
        {
            JobUid = uid,
            JobNamespace = job.Metadata.NamespaceProperty,
            JobName = job.Metadata.Name,
            Attempt = attempt,
            PlanJson = TrainerPlan.Build(job.Spec, parent?.Status?.Output?.Path),
            ResumeFrom = TrainerPlan.ResumeFrom(job.Status) ?? string.Empty,
        };
        var seed = TrainerView.Seed(attempt, PersistedSequence(job, attempt), job.Status);
        await trainers!.EnsureAsync(
            new TrainerTarget(NamespacedName.Of(job), uid, attempt, latest.Metadata.Name, new Uri("http://" + ip + ":" + settings.TrainerPort.ToString(CultureInfo.InvariantCulture)),
                TrainerPodBuilder.TokenSecretName(job.Metadata.Name), start, seed, job.Spec.Checkpoint.KeepLast),
            cancellationToken);
    }

    private async Task CheckpointIntoAsync(FineTuneJob job, FineTuneJobStatus status, CancellationToken cancellationToken)
    {
        if (await trainers!.CheckpointAsync(job.Metadata.Uid, cancellationToken) is not null && trainers.View(job.Metadata.Uid) is { } view)
        {
            status.Checkpoints = [.. view.Checkpoints];
            status.BestCheckpoint = view.BestCheckpoint ?? status.BestCheckpoint;
        }
    }

    private async Task FinalizeAsync(FineTuneJob job, CancellationToken cancellationToken)
    {
        if (job.Metadata.Finalizers?.Contains(CheckpointFinalizer) != true)
        {
            return;
        }

        if (trainers is not null)
        {
            // Bounded by the checkpoint timeout, so deletion never hangs on an unresponsive trainer.
            await trainers.CheckpointAsync(job.Metadata.Uid, cancellationToken);
            await trainers.StopAsync(job.Metadata.Uid);
        }

        lastWrites.TryRemove(job.Metadata.Uid, out _);
        var remaining = job.Metadata.Finalizers.Where(f => f != CheckpointFinalizer).ToList();
        await PatchMetadataAsync(job, new JsonObject { ["finalizers"] = new JsonArray([.. remaining.Select(f => JsonValue.Create(f))]) }, cancellationToken);
    }

    private async Task<FineTuneJob> EnsureFinalizerAsync(FineTuneJob job, CancellationToken cancellationToken)
    {
        if (job.Metadata.Finalizers?.Contains(CheckpointFinalizer) == true)
        {
            return job;
        }

        var finalizers = (job.Metadata.Finalizers ?? []).Append(CheckpointFinalizer).ToList();
        var patched = await PatchMetadataAsync(job, new JsonObject { ["finalizers"] = new JsonArray([.. finalizers.Select(f => JsonValue.Create(f))]) }, cancellationToken);
        return patched ?? job;
    }

    // Returns the patched job, or null when there was nothing to persist (or the job is gone).
    private async Task<FineTuneJob?> PersistSequenceAsync(FineTuneJob job, TrainerView view, CancellationToken cancellationToken)
    {
        var value = view.Attempt.ToString(CultureInfo.InvariantCulture) + ":" + view.LastSequence.ToString(CultureInfo.InvariantCulture);
        if (view.LastSequence == 0 || Annotation(job, SequenceAnnotation) == value)
        {
            return null;
        }

        return await PatchMetadataAsync(job, new JsonObject { ["annotations"] = new JsonObject { [SequenceAnnotation] = value } }, cancellationToken);
    }

    /// <summary>The last trainer sequence persisted for <paramref name="attempt"/> (a new attempt's trainer starts from 0).</summary>
    public static long PersistedSequence(FineTuneJob job, int attempt)
    {
        var text = Annotation(job, SequenceAnnotation);
        var parts = text?.Split(':');
        return parts is { Length: 2 }
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var persistedAttempt) && persistedAttempt == attempt
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : 0;
    }

    private static string? Annotation(FineTuneJob job, string name) =>
        job.Metadata.Annotations is { } annotations && annotations.TryGetValue(name, out var value) ? value : null;

    private async Task<FineTuneJob?> PatchMetadataAsync(FineTuneJob job, JsonObject metadata, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["metadata"] = metadata };
        try
        {
            var result = await client.MergePatchAsync<FineTuneJob>(
                JobType, job.Metadata.NamespaceProperty, job.Metadata.Name, body.ToJsonString(), cancellationToken);
            return result;
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static bool SameStatus(FineTuneJobStatus? current, FineTuneJobStatus next) =>
        current is not null && OperatorJson.Serialize(current) == OperatorJson.Serialize(next);

    // Creates the token Secret; when it exists already (an earlier attempt, or a reconcile whose cache lagged), checks
    // that it is this job's and holds a token. A Secret left by an earlier job of the same name (garbage collection
    // pending), or this job's without a token, is replaced; one the operator does not control is an error.
    private async Task EnsureTokenSecretAsync(FineTuneJob job, CancellationToken cancellationToken)
    {
        var namespaceName = job.Metadata.NamespaceProperty;
        var secret = TrainerPodBuilder.BuildTokenSecret(job, TrainerPodBuilder.NewToken());
        if (await CreateIfAbsentAsync(() => client.CreateAsync(ResourceType.Secrets, namespaceName, secret, cancellationToken)))
        {
            return;
        }

        var name = secret.Metadata.Name;
        var existing = await client.GetAsync<V1Secret>(ResourceType.Secrets, namespaceName, name, cancellationToken);
        var controller = existing.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        if (controller?.Uid == job.Metadata.Uid && HasToken(existing))
        {
            return;
        }

        if (controller is null || controller.Kind != FineTuneJob.KindName || controller.Name != job.Metadata.Name)
        {
            throw new TerminalReconcileException(
                $"Secret {namespaceName}/{name} exists and is not controlled by FineTuneJob {job.Metadata.Name}; "
                + "the operator keeps the trainer token there: delete or rename that Secret.");
        }

        secret.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        await client.ReplaceAsync(ResourceType.Secrets, namespaceName, name, secret, cancellationToken);
    }

    private static bool HasToken(V1Secret secret) =>
        (secret.Data is { } data && data.TryGetValue(TrainerPodBuilder.TokenKey, out var bytes) && bytes is { Length: > 0 })
        || (secret.StringData is { } text && text.TryGetValue(TrainerPodBuilder.TokenKey, out var plain) && !string.IsNullOrEmpty(plain));

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

    [LoggerMessage(3001, LogLevel.Information, "Created trainer pod {Pod} for FineTuneJob {Job}")]
    private static partial void LogPodCreated(ILogger logger, string pod, NamespacedName job);

    // A job as this reconciler's last write of it returned it, and the versions of the job older than that write.
    private sealed record WrittenJob(FineTuneJob Job, List<string> Older)
    {
        // Whether the write is newer than the given version of the same job (the same UID).
        public bool IsNewerThan(FineTuneJob other) =>
            other.Metadata.Uid == Job.Metadata.Uid && Older.Contains(other.Metadata.ResourceVersion);
    }
}
