using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TuneOperator.Api;
using TuneOperator.Api.Validation;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Hosting;
using TuneOperator.Controller.Metrics;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.FineTuneJobs;

public sealed class FineTuneJobReconcilerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FineTuneJob NewJob(string name, int backoffLimit = 3) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new FineTuneJobSpec
        {
            Model = new ModelSpec { Source = "pvc://models/base" },
            Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl", Format = DatasetFormat.Instruction },
            Output = new OutputSpec { Location = "pvc://results/" + name },
            RunPolicy = new RunPolicySpec { BackoffLimit = backoffLimit },
        },
    };

    private static async Task<(KubeApiFake Fake, Kubernetes Client, OperatorHost Host)> StartAsync()
    {
        var fake = await CrdFake.StartAsync();
        var client = fake.CreateClient();
        var options = Options.Create(new OperatorOptions
        {
            TrainerImage = "tune-trainer:dev",
            Workers = 2,
            LeaderElection = new LeaderElectionOptions { Enabled = false, Identity = "test" },
        });
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        var set = new FineTuneJobControllerSet(client.Api(), options, metrics, NullLoggerFactory.Instance, TimeProvider.System);
        var host = new OperatorHost(client.Api(), [set], options, new OperatorHealth(), metrics, NullLoggerFactory.Instance, TimeProvider.System);
        await host.StartAsync(Ct);
        return (fake, client, host);
    }

    private static void SetPodPhase(KubeApiFake fake, string name, string phase, int? exitCode = null) =>
        fake.Modify<V1Pod>("default", name, pod => pod.Status = new V1PodStatus
        {
            Phase = phase,
            ContainerStatuses = exitCode is null ? null :
            [
                new V1ContainerStatus
                {
                    Name = TrainerPodBuilder.ContainerName, Image = "tune-trainer:dev", ImageID = "", Ready = false, RestartCount = 0,
                    State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode.Value, Reason = "Error" } },
                },
            ],
        });

    private static async Task<FineTuneJob> WaitForJobAsync(KubeApiFake fake, string name, Func<FineTuneJob, bool> condition)
    {
        var type = fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural);
        FineTuneJob? found = null;
        await KubeApiFake.WaitUntilAsync(
            () => fake.Get(type, "default", name) is { } json && condition(found = KubernetesJson.Deserialize<FineTuneJob>(json.ToJsonString())),
            Wait,
            $"FineTuneJob {name} reaches the expected state",
            Ct);
        return found!;
    }

    [Fact]
    public async Task A_job_gets_a_secret_and_a_pod_and_follows_the_pod_to_succeeded_and_ready()
    {
        var (fake, client, host) = await StartAsync();
        await using var _ = fake;
        using var __ = client;
        using var ___ = host;
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<FineTuneJob>(
            NewJob("sft"), ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);

        var pending = await WaitForJobAsync(fake, "sft", j => j.Status?.Phase == JobPhase.Pending);
        Assert.True(Conditions.IsTrue(pending.Status!.Conditions, ConditionTypes.Reconciling));
        Assert.Equal(created.Metadata.Generation, pending.Status.ObservedGeneration);
        var pod = fake.Get<V1Pod>("default", "tune-sft-1")!;
        Assert.Equal(created.Metadata.Uid, pod.Metadata.OwnerReferences.Single().Uid);
        var secret = fake.Get<V1Secret>("default", "tune-sft-token")!;
        Assert.Equal(created.Metadata.Uid, secret.Metadata.OwnerReferences.Single().Uid);

        SetPodPhase(fake, "tune-sft-1", "Running");
        var running = await WaitForJobAsync(fake, "sft", j => j.Status?.Phase == JobPhase.Running);
        Assert.True(Conditions.IsTrue(running.Status!.Conditions, ConditionTypes.Running));

        SetPodPhase(fake, "tune-sft-1", "Succeeded", exitCode: 0);
        var done = await WaitForJobAsync(fake, "sft", j => j.Status?.Phase == JobPhase.Succeeded);
        Assert.True(Conditions.IsTrue(done.Status!.Conditions, ConditionTypes.Ready));
        Assert.False(Conditions.IsTrue(done.Status.Conditions, ConditionTypes.Reconciling));
        Assert.Single(fake.List<V1Pod>("default"));
        Assert.Contains(fake.List<Corev1Event>("default"), e => e.Reason == "PodCreated" && e.InvolvedObject.Name == "sft");

        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_failing_pod_is_retried_up_to_the_backoff_limit_then_the_job_stalls()
    {
        var (fake, client, host) = await StartAsync();
        await using var _ = fake;
        using var __ = client;
        using var ___ = host;
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            NewJob("flaky", backoffLimit: 1), ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);

        await KubeApiFake.WaitUntilAsync(() => fake.Get<V1Pod>("default", "tune-flaky-1") is not null, Wait, "attempt 1 exists", Ct);
        SetPodPhase(fake, "tune-flaky-1", "Failed", exitCode: 1);
        await KubeApiFake.WaitUntilAsync(() => fake.Get<V1Pod>("default", "tune-flaky-2") is not null, Wait, "attempt 2 exists", Ct);
        SetPodPhase(fake, "tune-flaky-2", "Failed", exitCode: 1);

        var failed = await WaitForJobAsync(fake, "flaky", j => j.Status?.Phase == JobPhase.Failed);
        var stalled = Conditions.Find(failed.Status!.Conditions, ConditionTypes.Stalled)!;
        Assert.Equal((ConditionStatus.True, ConditionReasons.BackoffLimitExceeded), (stalled.Status, stalled.Reason));
        Assert.Equal(2, fake.List<V1Pod>("default").Count);

        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task An_invalid_job_stalls_with_invalid_spec_and_gets_no_pod()
    {
        var (fake, client, host) = await StartAsync();
        await using var _ = fake;
        using var __ = client;
        using var ___ = host;
        // Valid for the API server, but too long for the trainer pod's name: only the operator's validator rejects it.
        var name = new string('b', FineTuneJobValidator.MaxNameLength + 1);
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(NewJob(name), ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);

        var failed = await WaitForJobAsync(fake, name, j => j.Status?.Phase == JobPhase.Failed);
        Assert.Equal(ConditionReasons.InvalidSpec, Conditions.Find(failed.Status!.Conditions, ConditionTypes.Stalled)!.Reason);
        Assert.Empty(fake.List<V1Pod>("default"));

        await host.StopAsync(Ct);
    }
}
