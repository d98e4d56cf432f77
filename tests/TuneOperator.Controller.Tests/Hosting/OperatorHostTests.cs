using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TuneOperator.Controller.Hosting;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;
using TuneOperator.Testing.Kube;
using Xunit;
using ControllerResourceType = TuneOperator.Controller.Runtime.ResourceType;

namespace TuneOperator.Controller.Tests.Hosting;

public sealed class OperatorHostTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_host_syncs_informers_becomes_ready_leads_and_reconciles_then_releases_the_lease_on_stop()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var client = fake.CreateClient();
        await client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = "existing", NamespaceProperty = "default" },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox" }] },
            },
            "default",
            cancellationToken: Ct);
        var set = new PodControllerSet(client);
        var health = new OperatorHealth();
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        var options = new OperatorOptions
        {
            TrainerImage = "tune-trainer:dev",
            LeaderElection = new LeaderElectionOptions
            {
                LeaseNamespace = "default",
                Identity = "replica-a",
                LeaseDuration = TimeSpan.FromSeconds(2),
                RenewDeadline = TimeSpan.FromSeconds(1),
                RetryPeriod = TimeSpan.FromMilliseconds(100),
            },
        };
        using var host = new OperatorHost(client.Api(), [set], Options.Create(options), health, metrics, NullLoggerFactory.Instance, TimeProvider.System);

        Assert.False(health.Readiness().Ready);
        await host.StartAsync(Ct);
        await KubeApiFake.WaitUntilAsync(() => health.Readiness().Detail == "ok: leader", Wait, "the replica is ready and leads", Ct);
        Assert.True(health.IsLive);
        await KubeApiFake.WaitUntilAsync(() => set.Reconciled.Contains("default/existing"), Wait, "existing objects are reconciled on start", Ct);

        await client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = "new", NamespaceProperty = "default" },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox" }] },
            },
            "default",
            cancellationToken: Ct);
        await KubeApiFake.WaitUntilAsync(() => set.Reconciled.Contains("default/new"), Wait, "a new object is reconciled", Ct);
        Assert.Equal(1, ControllerLoopTestsValue(metrics, "tuneoperator_leader", string.Empty));

        await host.StopAsync(Ct);
        Assert.False(health.IsLive);
        Assert.False(health.Readiness().Ready);
        Assert.Null(fake.Get<V1Lease>("default", options.LeaderElection.LeaseName)!.Spec.HolderIdentity);
        Assert.Equal(0, ControllerLoopTestsValue(metrics, "tuneoperator_leader", string.Empty));
    }

    private static double ControllerLoopTestsValue(OperatorMetrics metrics, string metric, string labels) =>
        Runtime.ControllerLoopTests.Value(metrics.Registry, metric, labels);

    private sealed class PodControllerSet : IControllerSet, IReconciler
    {
        private readonly List<string> reconciled = [];

        public PodControllerSet(IKubernetes client)
        {
            var informer = new ResourceInformer<V1Pod>(
                new KubernetesListWatchClient<V1Pod>(client.Api(), ControllerResourceType.Pods), "pods", NullLogger.Instance);
            var controller = new ControllerLoop("Pod", this, 2, () => informer.Cache.Keys(), NullLogger.Instance);
            informer.AddHandler(new ResourceEventHandler<V1Pod>(pod => controller.Enqueue(NamespacedName.Of(pod))));
            Informers = [informer];
            Controllers = [controller];
        }

        public IReadOnlyList<IResourceInformer> Informers { get; }

        public IReadOnlyList<ControllerLoop> Controllers { get; }

        public IReadOnlyList<string> Reconciled
        {
            get
            {
                lock (reconciled)
                {
                    return [.. reconciled];
                }
            }
        }

        public Task<ReconcileResult> ReconcileAsync(NamespacedName key, CancellationToken cancellationToken)
        {
            lock (reconciled)
            {
                reconciled.Add(key.ToString());
            }

            return Task.FromResult(ReconcileResult.Done);
        }
    }
}
