using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.FineTuneJobs;

/// <summary>
/// The pod and job informers are separate watches: the DELETED event of a preempted trainer pod can reach the
/// reconciler before the MODIFIED event of the Running status the reconciler itself wrote a moment earlier. A reconcile
/// from that job cache must still read the job as running, so the vanished pod counts as a restart and the next attempt
/// starts, instead of recreating the deleted attempt as if the job had never run.
/// </summary>
public sealed class PreemptionCacheLagTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pod_deleted_before_the_job_cache_holds_the_running_status_starts_the_next_attempt()
    {
        await using var fake = await CrdFake.StartAsync();
        using var client = fake.CreateClient();
        var (jobs, pods, reconciler) = NewReconciler(client);
        var key = new NamespacedName("default", "queued");
        var job = TestJobs.Minimal("queued");
        job.Spec.RunPolicy.BackoffLimit = 0;
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(job, ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);

        // Attempt 1 is created, and both caches catch up.
        jobs.Upsert(CachedObjects.TrimJob(fake.Get<FineTuneJob>("default", "queued")!));
        await reconciler.ReconcileAsync(key, Ct);
        jobs.Upsert(CachedObjects.TrimJob(fake.Get<FineTuneJob>("default", "queued")!));
        Assert.NotNull(fake.Get<V1Pod>("default", "tune-queued-1"));

        // The pod runs: the reconciler writes the Running status, which the job cache does not hold yet.
        var running = fake.Modify<V1Pod>("default", "tune-queued-1", p => p.Status = new V1PodStatus { Phase = "Running" });
        pods.Upsert(CachedObjects.TrimPod(running));
        await reconciler.ReconcileAsync(key, Ct);
        Assert.Equal(JobPhase.Running, fake.Get<FineTuneJob>("default", "queued")!.Status?.Phase);
        Assert.Equal(JobPhase.Pending, jobs.Get(key)!.Status?.Phase);

        // Preemption: the pod is deleted and the pod cache sees it first.
        await client.CoreV1.DeleteNamespacedPodAsync("tune-queued-1", "default", cancellationToken: Ct);
        pods.Remove(new NamespacedName("default", "tune-queued-1"));
        await reconciler.ReconcileAsync(key, Ct);

        Assert.Null(fake.Get<V1Pod>("default", "tune-queued-1"));
        var second = fake.Get<V1Pod>("default", "tune-queued-2");
        Assert.NotNull(second);
        var restarted = fake.Get<FineTuneJob>("default", "queued")!;
        Assert.Equal(1, restarted.Status!.Restarts);
        Assert.Equal(0, restarted.Status.Failures);
        Assert.Equal(JobPhase.Pending, restarted.Status.Phase);
        Assert.Equal(ConditionReasons.PodPending, Conditions.Find(restarted.Status.Conditions, ConditionTypes.Ready)!.Reason);

        // The job cache still lags (now two writes behind) when the event of the new pod arrives: nothing changes.
        pods.Upsert(CachedObjects.TrimPod(second));
        await reconciler.ReconcileAsync(key, Ct);
        Assert.Single(fake.List<V1Pod>("default"));
        Assert.Equal(1, fake.Get<FineTuneJob>("default", "queued")!.Status!.Restarts);

        // Once the cache catches up, the job waits for attempt 2 as before.
        jobs.Upsert(CachedObjects.TrimJob(fake.Get<FineTuneJob>("default", "queued")!));
        await reconciler.ReconcileAsync(key, Ct);
        Assert.Equal(["tune-queued-2"], fake.List<V1Pod>("default").Select(p => p.Metadata.Name));
        var settled = fake.Get<FineTuneJob>("default", "queued")!;
        Assert.Equal(1, settled.Status!.Restarts);
        Assert.NotEqual(JobPhase.Failed, settled.Status.Phase);
    }

    [Fact]
    public async Task A_newer_version_in_the_cache_than_the_reconcilers_own_write_is_reconciled_as_cached()
    {
        await using var fake = await CrdFake.StartAsync();
        using var client = fake.CreateClient();
        var (jobs, pods, reconciler) = NewReconciler(client);
        var key = new NamespacedName("default", "paused");
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            TestJobs.Minimal("paused"), ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);
        jobs.Upsert(CachedObjects.TrimJob(fake.Get<FineTuneJob>("default", "paused")!));
        await reconciler.ReconcileAsync(key, Ct);
        pods.Upsert(CachedObjects.TrimPod(fake.Get<V1Pod>("default", "tune-paused-1")!));

        // The user suspends the job after the reconciler's writes; the cache skips straight to that version (a relist).
        var suspended = fake.Modify<FineTuneJob>("default", "paused", j => j.Spec.RunPolicy.Suspend = true);
        jobs.Upsert(CachedObjects.TrimJob(suspended));
        await reconciler.ReconcileAsync(key, Ct);

        Assert.Null(fake.Get<V1Pod>("default", "tune-paused-1"));
        Assert.Equal(JobPhase.Suspended, fake.Get<FineTuneJob>("default", "paused")!.Status?.Phase);
    }

    // A reconciler over caches the test feeds by hand (no informers), so it decides when each cache catches up.
    private static (ResourceCache<FineTuneJob> Jobs, ResourceCache<V1Pod> Pods, FineTuneJobReconciler Reconciler) NewReconciler(Kubernetes client)
    {
        var jobs = new ResourceCache<FineTuneJob>();
        var pods = new ResourceCache<V1Pod>();
        var reconciler = new FineTuneJobReconciler(
            client.Api(), jobs, pods, "tune-trainer:dev", new EventRecorder(client.Api(), "tune-operator", "test", NullLogger<EventRecorder>.Instance),
            new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry()), NullLogger<FineTuneJobReconciler>.Instance, TimeProvider.System);
        return (jobs, pods, reconciler);
    }
}
