using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Api.Validation;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Tests.FineTuneJobs;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.Native;

/// <summary>The Native AOT operator executable against the API fake: the same behaviour as the JIT build.</summary>
public sealed class NativeOperatorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_native_operator_runs_a_job_to_success_stalls_an_invalid_one_leads_and_serves_health_and_metrics()
    {
        var executable = await NativeOperator.PathAsync();
        await using var fake = await CrdFake.StartAsync();
        using var client = fake.CreateClient();
        var work = Directory.CreateTempSubdirectory("native-operator-");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var (healthPort, metricsPort) = (FreePort(), FreePort());
        using var process = Start(executable, fake.WriteKubeconfig(work.FullName, "test"), work.FullName, healthPort, metricsPort);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await KubeApiFake.WaitUntilAsync(
                () => !process.HasExited && Status(http, $"http://127.0.0.1:{healthPort}/readyz") == HttpStatusCode.OK,
                Wait, "/readyz answers 200 (informers synced, leader)", Ct);
            await KubeApiFake.WaitUntilAsync(
                () => !string.IsNullOrEmpty(fake.Get<V1Lease>("default", "tune-operator-leader")?.Spec.HolderIdentity),
                Wait, "the operator holds the leader Lease", Ct);

            await client.CustomObjects.CreateNamespacedCustomObjectAsync(
                TestJobs.Minimal("native"), ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);
            var podName = TrainerPodBuilder.PodName("native", 1);
            var pod = await fake.WaitForAsync<V1Pod>("default", podName, _ => true, Wait, Ct);
            var job = fake.Get<FineTuneJob>("default", "native")!;
            var secret = fake.Get<V1Secret>("default", TrainerPodBuilder.TokenSecretName("native"));
            Assert.NotNull(secret);
            foreach (var owned in new V1ObjectMeta[] { pod.Metadata, secret.Metadata })
            {
                var owner = Assert.Single(owned.OwnerReferences);
                Assert.Equal((FineTuneJob.KindName, "native", job.Metadata.Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
            }

            fake.Modify<V1Pod>("default", podName, p => p.Status = new V1PodStatus { Phase = "Succeeded" });
            var done = await fake.WaitForAsync<FineTuneJob>("default", "native", j => j.Status?.Phase == JobPhase.Succeeded, Wait, Ct);
            Assert.True(Conditions.IsTrue(done.Status!.Conditions, ConditionTypes.Succeeded));
            Assert.True(Conditions.IsTrue(done.Status.Conditions, ConditionTypes.Ready));
            Assert.Equal(done.Metadata.Generation, done.Status.ObservedGeneration);
            await KubeApiFake.WaitUntilAsync(
                () => fake.List<Corev1Event>("default").Any(e => e.InvolvedObject.Name == "native" && e.Reason == "PodCreated"),
                Wait, "a PodCreated event about the job", Ct);

            // Valid for the API server, too long for the trainer pod's name: only the operator's validator rejects it.
            var invalidName = new string('x', FineTuneJobValidator.MaxNameLength + 1);
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(
                TestJobs.Minimal(invalidName), ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);
            var stalled = await fake.WaitForAsync<FineTuneJob>("default", invalidName, j => j.Status?.Phase == JobPhase.Failed, Wait, Ct);
            Assert.Equal(ConditionReasons.InvalidSpec, Conditions.Find(stalled.Status!.Conditions, ConditionTypes.Stalled)!.Reason);
            Assert.Null(fake.Get<V1Pod>("default", TrainerPodBuilder.PodName(invalidName, 1)));

            var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"), Ct);
            Assert.Contains("tuneoperator_", metrics, StringComparison.Ordinal);
            Assert.False(process.HasExited, "the native operator is still running");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException("the native operator test failed; its output:\n" + string.Join('\n', output), ex);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None);
            }

            work.Delete(recursive: true);
        }
    }

    private static Process Start(string executable, string kubeconfig, string workDirectory, int healthPort, int metricsPort)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        foreach (var arg in new[]
        {
            "--kubeconfig", kubeconfig, "--trainer-image", "tune-trainer:test",
            "--health-port", healthPort.ToString(CultureInfo.InvariantCulture), "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture),
            "--leader-elect", "true", "--lease-namespace", "default",
        })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return Process.Start(start) ?? throw new InvalidOperationException("could not start " + executable);
    }

    private static HttpStatusCode? Status(HttpClient http, string url)
    {
        try
        {
            using var response = http.GetAsync(new Uri(url)).GetAwaiter().GetResult();
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
