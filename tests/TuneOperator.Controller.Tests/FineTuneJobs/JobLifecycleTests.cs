using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Hosting;
using TuneOperator.Controller.Metrics;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.FineTuneJobs;

/// <summary>Run policy, Kueue, restarts, leader election and API faults, against the API fake (pod phases driven by the test).</summary>
public sealed class JobLifecycleTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FineTuneJob NewJob(string name) => TestJobs.Minimal(name);

    private static async Task<(KubeApiFake Fake, Kubernetes Client)> StartFakeAsync()
    {
        var fake = await CrdFake.StartAsync();
        return (fake, fake.CreateClient());
    }

    private static async Task<OperatorHost> StartOperatorAsync(Kubernetes client, string identity = "test", bool leaderElection = false)
    {
        var options = Options.Create(new OperatorOptions
        {
            TrainerImage = "tune-trainer:dev",
            Workers = 2,
            LeaderElection = new LeaderElectionOptions
            {
                Enabled = leaderElection, Identity = identity, LeaseNamespace = "default",
                LeaseDuration = TimeSpan.FromSeconds(2), RenewDeadline = TimeSpan.FromSeconds(1.5), RetryPeriod = TimeSpan.FromMilliseconds(200),
            },
        });
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        var set = new FineTuneJobControllerSet(client.Api(), options, metrics, NullLoggerFactory.Instance, TimeProvider.System);
        var host = new OperatorHost(client.Api(), [set], options, new OperatorHealth(), metrics, NullLoggerFactory.Instance, TimeProvider.System);
        await host.StartAsync(Ct);
        return host;
    }

    private static Task CreateAsync(Kubernetes client, FineTuneJob job) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync(job, ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);

    private static void SetPodPhase(KubeApiFake fake, string name, string phase) =>
        fake.Modify<V1Pod>("default", name, pod => pod.Status = new V1PodStatus { Phase = phase });

    private static async Task<FineTuneJob> WaitForJobAsync(KubeApiFake fake, string name, Func<FineTuneJob, bool> condition, string what)
    {
        var type = fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural);
        FineTuneJob? found = null;
        await KubeApiFake.WaitUntilAsync(
            () => fake.Get(type, "default", name) is { } json && condition(found = KubernetesJson.Deserialize<FineTuneJob>(json.ToJsonString())),
            Wait, what, Ct);
        return found!;
    }

    [Fact]
    public async Task The_active_deadline_stalls_the_job_with_deadline_exceeded_and_deletes_the_pod()
    {
        var (fake, client) = await StartFakeAsync();
        await using var _ = fake;
        using var __ = client;
        using var host = await StartOperatorAsync(client);
        var job = NewJob("late");
        job.Spec.RunPolicy.ActiveDeadlineSeconds = 1;
        await CreateAsync(client, job);
        await fake.WaitForAsync<V1Pod>("default", "tune-late-1", _ => true, Wait, Ct);
        SetPodPhase(fake, "tune-late-1", "Running");

        var failed = await WaitForJobAsync(fake, "late", j => j.Status?.Phase == JobPhase.Failed, "the deadline passes");
        Assert.Equal(ConditionReasons.DeadlineExceeded, Conditions.Find(failed.Status!.Conditions, ConditionTypes.Stalled)!.Reason);
        await KubeApiFake.WaitUntilAsync(() => fake.Get<V1Pod>("default", "tune-late-1") is null, Wait, "the pod is deleted", Ct);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_finished_job_is_deleted_after_its_ttl_and_its_owned_objects_are_collected()
    {
        var (fake, client) = await StartFakeAsync();
        await using var _ = fake;
        using var __ = client;
        using var host = await StartOperatorAsync(client);
        var job = NewJob("brief");
        job.Spec.RunPolicy.TtlSecondsAfterFinished = 0;
        await CreateAsync(client, job);
        await fake.WaitForAsync<V1Pod>("default", "tune-brief-1", _ => true, Wait, Ct);
        SetPodPhase(fake, "tune-brief-1", "Succeeded");

        await fake.WaitForDeletionAsync(fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural), "default", "brief", Wait, Ct);
        await KubeApiFake.WaitUntilAsync(
            () => fake.Get<V1Pod>("default", "tune-brief-1") is null && fake.Get<V1Secret>("default", "tune-brief-token") is null,
            Wait, "the pod and the Secret are collected", Ct);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_kueue_job_waits_while_gated_and_a_preempted_pod_is_recreated_without_consuming_the_backoff_limit()
    {
        var (fake, client) = await StartFakeAsync();
        await using var _ = fake;
        using var __ = client;
        using var host = await StartOperatorAsync(client);
        var job = NewJob("queued");
        job.Metadata.Labels = new Dictionary<string, string> { [TrainerPodBuilder.KueueQueueLabel] = "team-a" };
        job.Spec.Resources.SchedulerName = "gpu-scheduler";
        job.Spec.RunPolicy.BackoffLimit = 0;
        await CreateAsync(client, job);
        var pod = await fake.WaitForAsync<V1Pod>("default", "tune-queued-1", _ => true, Wait, Ct);
        Assert.Equal("gpu-scheduler", pod.Spec.SchedulerName);
        Assert.Equal("team-a", pod.Metadata.Labels[TrainerPodBuilder.KueueQueueLabel]);

        // Kueue's webhook gates the pod until the workload is admitted.
        fake.Modify<V1Pod>("default", "tune-queued-1", p => p.Spec.SchedulingGates = [new V1PodSchedulingGate { Name = "kueue.x-k8s.io/admission" }]);
        var gated = await WaitForJobAsync(fake, "queued", j => Conditions.Find(j.Status?.Conditions, ConditionTypes.Ready)?.Reason == JobStatusCalculator.WaitingForAdmission, "the job reports the gate");
        Assert.Equal(JobPhase.Pending, gated.Status!.Phase);

        fake.Modify<V1Pod>("default", "tune-queued-1", p => p.Spec.SchedulingGates = null);
        SetPodPhase(fake, "tune-queued-1", "Running");
        await WaitForJobAsync(fake, "queued", j => j.Status?.Phase == JobPhase.Running, "the admitted job runs");

        // Preemption: Kueue deletes the pod.
        await client.CoreV1.DeleteNamespacedPodAsync("tune-queued-1", "default", cancellationToken: Ct);
        await fake.WaitForAsync<V1Pod>("default", "tune-queued-2", _ => true, Wait, Ct);
        var restarted = await WaitForJobAsync(fake, "queued", j => j.Status?.Restarts == 1, "the restart is counted");
        Assert.Equal(0, restarted.Status!.Failures);
        Assert.NotEqual(JobPhase.Failed, restarted.Status.Phase);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_restarted_operator_takes_over_a_running_job_without_a_second_pod()
    {
        var (fake, client) = await StartFakeAsync();
        await using var _ = fake;
        using var __ = client;
        var first = await StartOperatorAsync(client);
        await CreateAsync(client, NewJob("steady"));
        await fake.WaitForAsync<V1Pod>("default", "tune-steady-1", _ => true, Wait, Ct);
        await first.StopAsync(Ct);
        first.Dispose();

        SetPodPhase(fake, "tune-steady-1", "Running");
        using var second = await StartOperatorAsync(client);
        await WaitForJobAsync(fake, "steady", j => j.Status?.Phase == JobPhase.Running, "the new instance follows the pod");
        SetPodPhase(fake, "tune-steady-1", "Succeeded");
        await WaitForJobAsync(fake, "steady", j => j.Status?.Phase == JobPhase.Succeeded, "the job succeeds");
        Assert.Single(fake.List<V1Pod>("default"));
        await second.StopAsync(Ct);
    }

    [Fact]
    public async Task With_two_replicas_only_the_leader_acts_and_the_other_takes_over_when_it_stops()
    {
        var (fake, client) = await StartFakeAsync();
        await using var _ = fake;
        using var __ = client;
        using var otherClient = fake.CreateClient();
        var a = await StartOperatorAsync(client, "replica-a", leaderElection: true);
        using var b = await StartOperatorAsync(otherClient, "replica-b", leaderElection: true);
        await KubeApiFake.WaitUntilAsync(() => fake.Get<V1Lease>("default", "tune-operator-leader")?.Spec.HolderIdentity is { Length: > 0 }, Wait, "a leader is elected", Ct);
        var leader = fake.Get<V1Lease>("default", "tune-operator-leader")!.Spec.HolderIdentity;

        await CreateAsync(client, NewJob("led"));
        await fake.WaitForAsync<V1Pod>("default", "tune-led-1", _ => true, Wait, Ct);
        await KubeApiFake.WaitUntilAsync(() => fake.List<Corev1Event>("default").Any(e => e.Reason == "PodCreated"), Wait, "the PodCreated event is recorded", Ct);
        var events = fake.List<Corev1Event>("default").Where(e => e.Reason == "PodCreated").ToList();
        Assert.Single(events);
        Assert.Equal(leader, events[0].ReportingInstance);

        var (stopping, staying) = leader == "replica-a" ? (a, "replica-b") : (b, "replica-a");
        await stopping.StopAsync(Ct);
        SetPodPhase(fake, "tune-led-1", "Succeeded");
        await WaitForJobAsync(fake, "led", j => j.Status?.Phase == JobPhase.Succeeded, "the remaining replica takes over");
        Assert.Equal(staying, fake.Get<V1Lease>("default", "tune-operator-leader")!.Spec.HolderIdentity);
        Assert.Single(fake.List<V1Pod>("default"));
        if (!ReferenceEquals(stopping, a))
        {
            await a.StopAsync(Ct);
        }

        a.Dispose();
    }

    [Fact]
    public async Task Watch_drops_410s_and_409_storms_converge_to_the_right_state()
    {
        var (fake, client) = await StartFakeAsync();
        await using var _ = fake;
        using var __ = client;
        using var host = await StartOperatorAsync(client);
        var conflicts = fake.Faults.Add(new FaultRule { Verb = "update", Resource = "finetunejobs.tuneoperator.io", StatusSubresource = true, StatusCode = 409, Share = 0.5, MaxFailures = 20 });
        await CreateAsync(client, NewJob("storm"));
        await fake.WaitForAsync<V1Pod>("default", "tune-storm-1", _ => true, Wait, Ct);

        fake.DropWatches();
        SetPodPhase(fake, "tune-storm-1", "Running");
        fake.CompactHistory();
        fake.DropWatches(abort: true);
        await WaitForJobAsync(fake, "storm", j => j.Status?.Phase == JobPhase.Running, "the job converges to Running");
        SetPodPhase(fake, "tune-storm-1", "Succeeded");
        var done = await WaitForJobAsync(fake, "storm", j => j.Status?.Phase == JobPhase.Succeeded, "the job converges to Succeeded");
        Assert.True(Conditions.IsTrue(done.Status!.Conditions, ConditionTypes.Ready));
        Assert.Single(fake.List<V1Pod>("default"));
        Assert.True(conflicts.Injected > 0);
        await host.StopAsync(Ct);
    }
}
