using k8s;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Testing.Kubelet;
using Xunit;

namespace TuneOperator.Controller.Tests.Kubelet;

/// <summary>The real tune-trainer, from its build output, run by the local kubelet from the Pod the operator builds.</summary>
public sealed class TrainerPodTests : KubeletTestBase
{
    private const string TrainerImage = "ghcr.io/tuneoperator/trainer";

    [Fact]
    public async Task The_trainer_pod_becomes_ready_through_its_grpc_health_probe()
    {
        var job = new FineTuneJob
        {
            ApiVersion = "tuneoperator.io/v1alpha1",
            Kind = "FineTuneJob",
            Metadata = new V1ObjectMeta { Name = "sft", NamespaceProperty = Ns, Uid = Guid.NewGuid().ToString() },
            Spec = new FineTuneJobSpec
            {
                Model = new ModelSpec { Source = "pvc://models/tiny" },
                Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl" },
                Output = new OutputSpec { Location = "pvc://results/sft" },
            },
        };
        var token = TrainerPodBuilder.NewToken();
        await Client.CoreV1.CreateNamespacedSecretAsync(TrainerPodBuilder.BuildTokenSecret(job, token), Ns, cancellationToken: Ct);
        var pod = TrainerPodBuilder.BuildPod(job, 1, TrainerImage + ":dev");
        var container = pod.Spec.Containers[0];
        container.ReadinessProbe = new V1Probe { Grpc = new V1GRPCAction { Port = TrainerPodBuilder.GrpcPort }, PeriodSeconds = 2 };

        await CreateAsync(pod);

        var ready = await Kubelet.WaitForReadyAsync(Ns, pod.Metadata.Name, TimeSpan.FromSeconds(60), Ct);

        var status = ready.Status.ContainerStatuses.Single();
        Assert.True(status.Ready);
        Assert.NotNull(status.State.Running);
        Assert.Equal("Running", ready.Status.Phase);
        Assert.Equal("True", Condition(ready, "Ready"));
        var tokenFile = Path.Combine(Kubelet.PodDirectory(Ns, pod.Metadata.Name), "volumes", "token", TrainerPodBuilder.TokenKey);
        Assert.Equal(token, File.ReadAllText(tokenFile));
        Assert.True(Directory.Exists(Kubelet.ClaimDirectory(Ns, "results")));

        await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, Ns, cancellationToken: Ct);
        await Kubelet.WaitForPodDeletedAsync(Ns, pod.Metadata.Name, TimeSpan.FromSeconds(30), Ct);
        Assert.Empty(Kubelet.RunningProcesses);
    }

    protected override LocalKubeletOptions CreateOptions() => new()
    {
        Images = new ImageRegistry().Map(TrainerImage, new ImageProgram(["dotnet", TrainerDll()])),
    };

    private static string TrainerDll()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TuneOperator.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds TuneOperator.sln; run the tests from the repository.");
        }

        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(directory.FullName, "src", "TuneOperator.Trainer", "bin", configuration, "net10.0", "tune-trainer.dll");
        return File.Exists(dll)
            ? dll
            : throw new InvalidOperationException(
                $"tune-trainer is not built: {dll} is missing. Build it first: dotnet build src/TuneOperator.Trainer/TuneOperator.Trainer.csproj -c {configuration}");
    }
}
