using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;
using TuneOperator.Controller.Training;
using TuneOperator.Protos;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.Training;

/// <summary>
/// A reconcile that runs after the reconciler wrote a job's final status, but before the job cache holds that write,
/// reads the job as still running: it must not start a new trainer session for it.
/// </summary>
public sealed class FinishedJobCacheLagTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reconcile_from_a_cache_that_lags_behind_the_final_status_starts_no_new_trainer_session()
    {
        await using var fake = await CrdFake.StartAsync();
        using var client = fake.CreateClient();
        await using var trainer = await ScriptedTrainer.StartAsync(Ct);
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        await using var supervisor = new TrainerSupervisor(
            client.Api(), metrics, _ => { }, new TrainerSupervisorOptions(), NullLogger<TrainerSupervisor>.Instance, TimeProvider.System);
        var jobs = new ResourceCache<FineTuneJob>();
        var pods = new ResourceCache<V1Pod>();
        var reconciler = new FineTuneJobReconciler(
            client.Api(), jobs, pods, "tune-trainer:dev", new EventRecorder(client.Api(), "tune-operator", "test", NullLogger<EventRecorder>.Instance),
            metrics, NullLogger<FineTuneJobReconciler>.Instance, TimeProvider.System, supervisor,
            new FineTuneJobReconcilerOptions { TrainerPort = trainer.Port });

        // A job whose attempt-1 pod runs and is ready, with its token Secret; the trainer will report completion.
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            TestJobs(), ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);
        var job = fake.Get<FineTuneJob>("default", "done")!;
        fake.Put(TrainerPodBuilder.BuildTokenSecret(job, "secret-token"));
        var pod = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:dev");
        pod.Status = new V1PodStatus { Phase = "Running", PodIP = "127.0.0.1", Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }] };
        pod = fake.Put(pod);
        pods.Upsert(CachedObjects.TrimPod(pod));
        jobs.Upsert(CachedObjects.TrimJob(job));
        trainer.Append(new TrainerEvent { Completed = new Completed { OutputPath = "pvc://results/done", Reason = "Completed" } });
        var key = new NamespacedName("default", "done");

        // First reconcile: the job runs and its trainer session starts, then sees the run complete.
        await reconciler.ReconcileAsync(key, Ct);
        await KubeApiFake.WaitUntilAsync(() => supervisor.View(job.Metadata.Uid)?.Completed == true, TimeSpan.FromSeconds(15), "the trainer reports completion", Ct);
        var running = fake.Get<FineTuneJob>("default", "done")!;
        Assert.Equal(JobPhase.Running, running.Status?.Phase);
        jobs.Upsert(CachedObjects.TrimJob(running));

        // Second: the final status is written and the session stops; the cache still holds the running job.
        await reconciler.ReconcileAsync(key, Ct);
        Assert.Equal(JobPhase.Succeeded, fake.Get<FineTuneJob>("default", "done")!.Status?.Phase);
        Assert.Null(supervisor.View(job.Metadata.Uid));

        // Third, from the lagging cache: no new session, no second Start, the status on the server stays final.
        await reconciler.ReconcileAsync(key, Ct);
        Assert.Null(supervisor.View(job.Metadata.Uid));
        Assert.Single(trainer.Starts);
        Assert.Equal(JobPhase.Succeeded, fake.Get<FineTuneJob>("default", "done")!.Status?.Phase);

        // Once the cache holds the final status, the job stays finished.
        jobs.Upsert(CachedObjects.TrimJob(fake.Get<FineTuneJob>("default", "done")!));
        await reconciler.ReconcileAsync(key, Ct);
        Assert.Null(supervisor.View(job.Metadata.Uid));
        Assert.Single(trainer.Starts);
    }

    private static FineTuneJob TestJobs() => FineTuneJobs.TestJobs.Minimal("done");
}
