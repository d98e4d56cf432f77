using k8s;
using k8s.Models;
using TuneOperator.Testing.Kube;
using TuneOperator.Testing.Kubelet;
using Xunit;

namespace TuneOperator.Controller.Tests.Kubelet;

/// <summary>Starts an API fake (graceful Pod deletion waits for the kubelet), a local kubelet on it and a client, per test.</summary>
public abstract class KubeletTestBase : IAsyncLifetime
{
    protected const string Ns = "default";
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private KubeApiFake? _fake;
    private LocalKubelet? _kubelet;
    private Kubernetes? _client;

    protected KubeApiFake Fake => _fake ?? throw new InvalidOperationException("not started");

    protected LocalKubelet Kubelet => _kubelet ?? throw new InvalidOperationException("not started");

    protected Kubernetes Client => _client ?? throw new InvalidOperationException("not started");

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A folder for the test's own files, deleted afterwards.</summary>
    protected string Scratch { get; } = Directory.CreateTempSubdirectory("kubelet-test-").FullName;

    public async ValueTask InitializeAsync()
    {
        _fake = await KubeApiFake.StartAsync(new KubeApiFakeOptions { PodTerminationDelay = System.Threading.Timeout.InfiniteTimeSpan }, Ct);
        _client = _fake.CreateClient();
        _kubelet = await LocalKubelet.StartAsync(_fake.Url, CreateOptions(), Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_kubelet is not null)
        {
            await _kubelet.DisposeAsync();
        }

        _client?.Dispose();
        if (_fake is not null)
        {
            await _fake.DisposeAsync();
        }

        Directory.Delete(Scratch, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>The kubelet's settings: every image runs the container's command.</summary>
    protected virtual LocalKubeletOptions CreateOptions() => new()
    {
        Images = new ImageRegistry().Map(ImageRegistry.AnyImage, ImageProgram.CommandOnly),
    };

    /// <summary>A Pod with one container "main" running <paramref name="script"/> in /bin/sh, restartPolicy Never.</summary>
    protected static V1Pod ShellPod(string name, string script, Action<V1Pod>? configure = null)
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns, Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                TerminationGracePeriodSeconds = 30,
                Containers = [new V1Container { Name = "main", Image = "busybox:1.36", Command = ["/bin/sh", "-c", script] }],
            },
        };
        configure?.Invoke(pod);
        return pod;
    }

    protected Task<V1Pod> CreateAsync(V1Pod pod) => Client.CoreV1.CreateNamespacedPodAsync(pod, Ns, cancellationToken: Ct);

    protected static V1ContainerStatus MainContainer(V1Pod pod) => pod.Status.ContainerStatuses.Single(c => c.Name == "main");

    protected static string? Condition(V1Pod pod, string type) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;

    /// <summary>The local folder a mount path maps to, from the TUNE_Trainer__PathMap line the script echoed first.</summary>
    protected static string MappedPath(string log, string mountPath)
    {
        var map = log.Split('\n')[0];
        return map.Split(';').Select(e => e.Split('=', 2)).Single(e => e[0] == mountPath)[1];
    }
}
