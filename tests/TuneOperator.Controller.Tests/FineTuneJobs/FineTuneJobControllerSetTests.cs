using System.Text;
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
using static TuneOperator.Controller.Tests.Runtime.ControllerLoopTests;

namespace TuneOperator.Controller.Tests.FineTuneJobs;

public sealed class FineTuneJobControllerSetTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FineTuneJob NewJob(string name) => TestJobs.Minimal(name);

    private sealed record Harness(KubeApiFake Fake, Kubernetes Client, OperatorHost Host, OperatorMetrics Metrics) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Host.StopAsync(CancellationToken.None);
            Host.Dispose();
            Client.Dispose();
            await Fake.DisposeAsync();
        }
    }

    private static async Task<Harness> StartAsync(Action<KubeApiFake>? before = null)
    {
        var fake = await CrdFake.StartAsync();
        before?.Invoke(fake);
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
        return new Harness(fake, client, host, metrics);
    }

    private static Task CreateAsync(Harness h, FineTuneJob job) =>
        h.Client.CustomObjects.CreateNamespacedCustomObjectAsync(job, ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);

    private static FineTuneJob? GetJob(KubeApiFake fake, string name) =>
        fake.Get(fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural), "default", name) is { } json
            ? KubernetesJson.Deserialize<FineTuneJob>(json.ToJsonString())
            : null;

    private static string? Token(V1Secret secret) =>
        secret.Data?.TryGetValue(TrainerPodBuilder.TokenKey, out var bytes) == true ? Encoding.UTF8.GetString(bytes)
        : secret.StringData?.TryGetValue(TrainerPodBuilder.TokenKey, out var text) == true ? text : null;

    [Fact]
    public async Task Jobs_are_counted_by_phase_when_the_metrics_are_collected()
    {
        await using var h = await StartAsync();
        await CreateAsync(h, NewJob("one"));
        await CreateAsync(h, NewJob("two"));
        await KubeApiFake.WaitUntilAsync(
            () => GetJob(h.Fake, "one")?.Status?.Phase == JobPhase.Pending && GetJob(h.Fake, "two")?.Status?.Phase == JobPhase.Pending,
            Wait, "both jobs are pending", Ct);
        h.Fake.Modify<V1Pod>("default", "tune-one-1", pod => pod.Status = new V1PodStatus { Phase = "Running" });
        await KubeApiFake.WaitUntilAsync(() => GetJob(h.Fake, "one")?.Status?.Phase == JobPhase.Running, Wait, "job one runs", Ct);

        await KubeApiFake.WaitUntilAsync(
            () => Value(h.Metrics.Registry, "tuneoperator_jobs", "phase=\"Running\"") == 1
                && Value(h.Metrics.Registry, "tuneoperator_jobs", "phase=\"Pending\"") == 1,
            Wait, "the gauge counts one running and one pending job", Ct);
    }

    [Fact]
    public async Task A_token_secret_left_by_an_earlier_job_of_the_same_name_is_replaced_with_this_jobs_own()
    {
        await using var h = await StartAsync(fake => fake.Put(new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta
            {
                Name = "tune-again-token", NamespaceProperty = "default",
                OwnerReferences = [new V1OwnerReference { ApiVersion = ApiGroup.Group + "/" + ApiGroup.Version, Kind = FineTuneJob.KindName, Name = "again", Uid = "uid-of-the-deleted-job", Controller = true }],
            },
            StringData = new Dictionary<string, string> { [TrainerPodBuilder.TokenKey] = "old-token" },
        }));

        await CreateAsync(h, NewJob("again"));

        await h.Fake.WaitForAsync<V1Pod>("default", "tune-again-1", _ => true, Wait, Ct);
        var job = GetJob(h.Fake, "again")!;
        var secret = h.Fake.Get<V1Secret>("default", "tune-again-token")!;
        Assert.Equal(job.Metadata.Uid, secret.Metadata.OwnerReferences.Single().Uid);
        Assert.False(string.IsNullOrEmpty(Token(secret)));
        Assert.NotEqual("old-token", Token(secret));
    }

    [Fact]
    public async Task A_secret_the_operator_does_not_control_is_not_taken_over_and_no_pod_is_created()
    {
        await using var h = await StartAsync(fake => fake.Put(new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = "tune-mine-token", NamespaceProperty = "default" },
            StringData = new Dictionary<string, string> { ["password"] = "hunter2" },
        }));

        await CreateAsync(h, NewJob("mine"));

        await KubeApiFake.WaitUntilAsync(
            () => Value(h.Metrics.Registry, "tuneoperator_reconcile_total", "controller=\"FineTuneJob\",result=\"terminal\"") >= 1,
            Wait, "the reconcile fails permanently", Ct);
        Assert.Null(h.Fake.Get<V1Pod>("default", "tune-mine-1"));
        var secret = h.Fake.Get<V1Secret>("default", "tune-mine-token")!;
        Assert.Null(secret.Metadata.OwnerReferences);
        Assert.Null(Token(secret));
    }
}
