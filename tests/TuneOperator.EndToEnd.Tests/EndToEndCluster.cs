using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Hosting;
using TuneOperator.Controller.Metrics;
using KubeApiClient = TuneOperator.Controller.Runtime.KubeApiClient;
using TuneOperator.Protos;
using TuneOperator.Testing.Kube;
using TuneOperator.Testing.Kubelet;
using TuneOperator.Testing.Tools;
using Xunit;

namespace TuneOperator.EndToEnd.Tests;

/// <summary>
/// A cluster without a cluster: the Kubernetes API fake (CRDs with schema and CEL validation, graceful Pod deletion
/// waiting for the kubelet), a <see cref="LocalKubelet"/> that runs the trainer image as the real tune-trainer from its
/// build output, and the operator host, which can be stopped and started again against the same fake. Every wait
/// fails with <see cref="Describe"/>: the job's stored status, its pods and the tail of each trainer's output.
/// </summary>
internal sealed class EndToEndCluster : IAsyncDisposable
{
    /// <summary>The namespace of every test object.</summary>
    public const string Ns = "default";

    /// <summary>The image the operator runs; the kubelet maps it to tune-trainer.dll.</summary>
    public const string TrainerImage = "ghcr.io/tuneoperator/trainer";

    /// <summary>How long a wait may take: generous, the machine may be busy (each trainer start loads libtorch).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly List<TrainerConnection> connections = [];
    private readonly OperatorLog operatorLog = new();
    private readonly ILoggerFactory loggerFactory;
    private readonly KubeApiClient operatorClient;
    private OperatorHost? operatorHost;

    private EndToEndCluster(KubeApiFake fake, Kubernetes client, LocalKubelet kubelet)
    {
        Fake = fake;
        Client = client;
        operatorClient = new KubeApiClient(new KubernetesClientConfiguration { Host = fake.Url });
        Kubelet = kubelet;
        JobType = fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural);
        loggerFactory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(operatorLog));
    }

    /// <summary>The API fake.</summary>
    public KubeApiFake Fake { get; }

    /// <summary>A client of the fake, for the test's own requests.</summary>
    public Kubernetes Client { get; }

    /// <summary>The node that runs the trainer pods.</summary>
    public LocalKubelet Kubelet { get; }

    /// <summary>The FineTuneJob resource.</summary>
    public ResourceType JobType { get; }

    /// <summary>The operator's metrics registry of the operator started last.</summary>
    public OperatorMetrics? Metrics { get; private set; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts the fake, the kubelet and the operator.</summary>
    public static async Task<EndToEndCluster> StartAsync()
    {
        var fake = await KubeApiFake.StartAsync(new KubeApiFakeOptions { PodTerminationDelay = Timeout.InfiniteTimeSpan }, Ct);
        fake.CustomResourceValidator = SchemaValidation.Create();
        await fake.LoadCustomResourceDefinitionsAsync(Path.Combine(Repository.Root, "crds"), Ct);
        var kubelet = await LocalKubelet.StartAsync(fake.Url, new LocalKubeletOptions
        {
            Images = new ImageRegistry().Map(TrainerImage, new ImageProgram(["dotnet", TrainerDll()])),

            // One libtorch thread per trainer: the models are tiny, and the tests share the machine.
            Environment = new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "1" },
        }, Ct);
        var cluster = new EndToEndCluster(fake, fake.CreateClient(), kubelet);
        await cluster.StartOperatorAsync();
        return cluster;
    }

    /// <summary>Starts an operator host against the fake (a new one after <see cref="StopOperatorAsync"/>).</summary>
    public async Task StartOperatorAsync()
    {
        if (operatorHost is not null)
        {
            throw new InvalidOperationException("An operator is already running; stop it first.");
        }

        var options = Options.Create(new OperatorOptions
        {
            TrainerImage = TrainerImage + ":dev",
            Workers = 2,
            LeaderElection = new LeaderElectionOptions { Enabled = false, Identity = "e2e" },
            StatusInterval = TimeSpan.FromMilliseconds(500),
            CheckpointTimeout = TimeSpan.FromSeconds(60),
        });
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        var set = new FineTuneJobControllerSet(operatorClient, options, metrics, loggerFactory, TimeProvider.System);
        var host = new OperatorHost(operatorClient, [set], options, new OperatorHealth(), metrics, loggerFactory, TimeProvider.System);
        await host.StartAsync(Ct);
        operatorHost = host;
        Metrics = metrics;
    }

    /// <summary>Stops the operator host (its trainer sessions end; the trainers keep running).</summary>
    public async Task StopOperatorAsync()
    {
        if (operatorHost is { } host)
        {
            operatorHost = null;
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }

    /// <summary>Creates the job through the API.</summary>
    public Task CreateJobAsync(FineTuneJob job) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync(job, ApiGroup.Group, ApiGroup.Version, Ns, FineTuneJob.Plural, cancellationToken: Ct);

    /// <summary>Sets spec.runPolicy.suspend with a merge patch, as <c>tune suspend</c> does.</summary>
    public Task SetSuspendAsync(string job, bool suspend)
    {
        var patch = new JsonObject { ["spec"] = new JsonObject { ["runPolicy"] = new JsonObject { ["suspend"] = suspend } } };
        return Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Ns, FineTuneJob.Plural, job, cancellationToken: Ct);
    }

    /// <summary>The job as the fake stores it, or null.</summary>
    public FineTuneJob? GetJob(string name) =>
        Fake.Get(JobType, Ns, name) is { } json ? KubernetesJson.Deserialize<FineTuneJob>(json.ToJsonString()) : null;

    /// <summary>Waits until the stored job satisfies <paramref name="condition"/>; fails with the cluster's description otherwise.</summary>
    public async Task<FineTuneJob> WaitForJobAsync(string name, Func<FineTuneJob, bool> condition, string what)
    {
        FineTuneJob? found = null;
        await WaitAsync(() => GetJob(name) is { } job && condition(found = job), what, name);
        return found!;
    }

    /// <summary>Waits for <paramref name="condition"/>; on timeout fails with <paramref name="what"/> and the description of <paramref name="job"/>.</summary>
    public async Task WaitAsync(Func<bool> condition, string what, string job)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (!condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {Patience.TotalSeconds:0} s waiting until {what}.\n{Describe(job)}");
            }

            await Task.Delay(Poll, Ct);
        }
    }

    /// <summary>Fails with <paramref name="what"/> and the description of <paramref name="job"/> unless <paramref name="ok"/>.</summary>
    public void Expect(bool ok, string what, string job)
    {
        if (!ok)
        {
            Assert.Fail($"Expected {what}.\n{Describe(job)}");
        }
    }

    /// <summary>Waits until the trainer pod of <paramref name="attempt"/> is ready and the operator has started its plan; returns a connection with the job's token.</summary>
    public async Task<TrainerConnection> WaitForStartedTrainerAsync(string job, int attempt)
    {
        var pod = TrainerPodBuilder.PodName(job, attempt);
        await Kubelet.WaitForReadyAsync(Ns, pod, Patience, Ct);
        var connection = Connect(pod, Token(job));
        TrainerStatus? status = null;
        await WaitUntilAnswersAsync(async () =>
        {
            status = await connection.GetStatusAsync(Ct);
            return status.Phase != TrainerPhase.Idle;
        }, $"the operator has started the trainer of {pod}", job);
        Expect(status!.Attempt == attempt, $"the trainer of {pod} to run attempt {attempt}, not {status.Attempt}", job);
        return connection;
    }

    /// <summary>
    /// Follows every event of a started trainer from its first, in the background, until its final event (completed,
    /// failed or stopped) or until the process goes away; the task returns what was seen.
    /// </summary>
    public static Task<IReadOnlyList<TrainerEvent>> CollectEventsAsync(TrainerConnection connection) => Task.Run(async () =>
    {
        var seen = new List<TrainerEvent>();
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        giveUp.CancelAfter(Patience);
        try
        {
            await foreach (var trainerEvent in connection.WatchAsync(0, TimeSpan.FromMilliseconds(200), giveUp.Token))
            {
                seen.Add(trainerEvent);
            }
        }
        catch (Exception ended) when (ended is RpcException or OperationCanceledException)
        {
            // The trainer was killed or stopped before its final event; what was seen is the answer.
        }

        return (IReadOnlyList<TrainerEvent>)seen;
    });

    /// <summary>A connection to the trainer of <paramref name="pod"/> with <paramref name="token"/>.</summary>
    public TrainerConnection Connect(string pod, string token)
    {
        var ip = Kubelet.PodIP(Ns, pod) ?? throw new InvalidOperationException($"Pod {pod} has not run on the local kubelet.");
        var connection = new TrainerConnection(new Uri($"http://{ip}:{TrainerPodBuilder.GrpcPort}"), token);
        connections.Add(connection);
        return connection;
    }

    /// <summary>The job's bearer token, from its Secret.</summary>
    public string Token(string job)
    {
        var secret = Fake.Get<V1Secret>(Ns, TrainerPodBuilder.TokenSecretName(job))
            ?? throw new InvalidOperationException($"The token Secret of job {job} does not exist.");
        return secret.Data is { } data && data.TryGetValue(TrainerPodBuilder.TokenKey, out var bytes)
            ? Encoding.UTF8.GetString(bytes)
            : secret.StringData[TrainerPodBuilder.TokenKey];
    }

    /// <summary>The local folder of claim <paramref name="claim"/> (created when missing).</summary>
    public string ClaimDirectory(string claim) => Kubelet.ClaimDirectory(Ns, claim);

    /// <summary>
    /// Where a path the trainer reported is on this machine: the trainer runs with <c>Trainer:PathMap</c> and reports
    /// local paths; a pod path under /mnt/pvc or a pvc:// location is mapped to the claim's folder.
    /// </summary>
    public string LocalPath(string reported)
    {
        const string mount = StorageLocation.PvcMountRoot + "/";
        var rest = reported.StartsWith("pvc://", StringComparison.Ordinal) ? reported["pvc://".Length..]
            : reported.StartsWith(mount, StringComparison.Ordinal) ? reported[mount.Length..]
            : null;
        if (rest is null)
        {
            return reported;
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ClaimDirectory(rest) : Path.Combine(ClaimDirectory(rest[..slash]), rest[(slash + 1)..]);
    }

    /// <summary>The trainer pods of <paramref name="job"/> in the fake now.</summary>
    public IReadOnlyList<V1Pod> Pods(string job) =>
        Fake.List<V1Pod>(Ns, TrainerPodBuilder.JobNameLabel + "=" + job);

    /// <summary>Whether the kubelet ever ran the pod.</summary>
    public bool Ran(string pod) => Kubelet.PodIP(Ns, pod) is not null;

    /// <summary>The job's stored object, its pods, the tail of each of its trainers' stdout and stderr, and the operator's log.</summary>
    public string Describe(string job)
    {
        var text = new StringBuilder();
        try
        {
            text.Append("FineTuneJob ").Append(job).Append(":\n").Append(Fake.Get(JobType, Ns, job)?.ToJsonString() ?? "(absent)").Append('\n');
            foreach (var pod in Pods(job))
            {
                text.Append("Pod ").Append(pod.Metadata.Name).Append(": phase ").Append(pod.Status?.Phase)
                    .Append(pod.Metadata.DeletionTimestamp is null ? string.Empty : ", deleting")
                    .Append(", containers ").Append(KubernetesJson.Serialize(pod.Status?.ContainerStatuses)).Append('\n');
            }

            for (var attempt = 1; attempt <= 10; attempt++)
            {
                var pod = TrainerPodBuilder.PodName(job, attempt);
                if (!Ran(pod))
                {
                    continue;
                }

                foreach (var error in new[] { false, true })
                {
                    var log = Kubelet.ReadLog(Ns, pod, TrainerPodBuilder.ContainerName, error);
                    text.Append("--- ").Append(pod).Append(error ? " stderr" : " stdout").Append(" (tail) ---\n")
                        .Append(log.Length > 4000 ? log[^4000..] : log).Append('\n');
                }
            }
        }
        catch (Exception failed) when (failed is InvalidOperationException or IOException)
        {
            text.Append("(description incomplete: ").Append(failed.Message).Append(")\n");
        }

        text.Append("--- operator log (tail) ---\n").AppendJoin('\n', operatorLog.Lines.TakeLast(150)).Append('\n');

        return text.ToString();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var connection in connections)
        {
            connection.Dispose();
        }

        await StopOperatorAsync();
        loggerFactory.Dispose();
        await Kubelet.DisposeAsync();
        Client.Dispose();
        operatorClient.Dispose();
        await Fake.DisposeAsync();
    }

    // Retries while the trainer is not listening yet or has not been started (Unavailable, FailedPrecondition).
    private async Task WaitUntilAnswersAsync(Func<Task<bool>> call, string what, string job)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (true)
        {
            try
            {
                if (await call())
                {
                    return;
                }
            }
            catch (RpcException transient) when (transient.StatusCode is StatusCode.Unavailable or StatusCode.FailedPrecondition)
            {
                // Not yet.
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {Patience.TotalSeconds:0} s waiting until {what}.\n{Describe(job)}");
            }

            await Task.Delay(Poll, Ct);
        }
    }

    private static string TrainerDll()
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(Repository.Root, "src", "TuneOperator.Trainer", "bin", configuration, "net10.0", "tune-trainer.dll");
        return File.Exists(dll)
            ? dll
            : throw new InvalidOperationException(
                $"tune-trainer is not built: {dll} is missing. Build it first: dotnet build src/TuneOperator.Trainer/TuneOperator.Trainer.csproj -c {configuration}");
    }
}
