using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using TuneOperator.Controller.Runtime;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.Runtime;

public sealed class EventRecorderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Events_are_written_about_the_object_and_repeats_are_aggregated()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var client = fake.CreateClient();
        var pod = await client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = "trainer", NamespaceProperty = "default" },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox" }] },
            },
            "default",
            cancellationToken: Ct);
        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
        var time = new ManualTimeProvider();
        var recorder = new EventRecorder(client.Api(), "tune-operator", "replica-a", NullLogger.Instance, time);

        await recorder.RecordAsync(pod, EventRecorder.Normal, "PodCreated", "Created pod trainer", Ct);
        time.Advance(TimeSpan.FromSeconds(30));
        await recorder.RecordAsync(pod, EventRecorder.Normal, "PodCreated", "Created pod trainer", Ct);
        await recorder.RecordAsync(pod, EventRecorder.Warning, "BackoffLimitExceeded", "3 attempts failed", Ct);

        var events = fake.List<Corev1Event>("default").OrderBy(e => e.Reason, StringComparer.Ordinal).ToList();
        Assert.Equal(2, events.Count);
        var warning = events[0];
        var created = events[1];
        Assert.Equal(("PodCreated", "Normal", 2), (created.Reason, created.Type, created.Count));
        Assert.Equal(created.FirstTimestamp!.Value.AddSeconds(30), created.LastTimestamp);
        Assert.Equal(("Pod", "trainer", pod.Metadata.Uid), (created.InvolvedObject.Kind, created.InvolvedObject.Name, created.InvolvedObject.Uid));
        Assert.Equal("tune-operator", created.Source.Component);
        Assert.Equal(("BackoffLimitExceeded", "Warning", 1), (warning.Reason, warning.Type, warning.Count));
    }

    [Fact]
    public async Task Recording_survives_an_api_failure()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var client = fake.CreateClient();
        var subject = new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "cm", NamespaceProperty = "default", Uid = "u1" } };
        var recorder = new EventRecorder(client.Api(), "tune-operator", "replica-a", NullLogger.Instance);
        var fault = fake.Faults.Add(FaultRule.Errors(500, resource: "events"));

        await recorder.RecordAsync(subject, EventRecorder.Normal, "Tested", "first", Ct);
        fake.Faults.Remove(fault);
        await recorder.RecordAsync(subject, EventRecorder.Normal, "Tested", "first", Ct);

        var recorded = Assert.Single(fake.List<Corev1Event>("default"));
        Assert.Equal(1, recorded.Count);
    }
}
