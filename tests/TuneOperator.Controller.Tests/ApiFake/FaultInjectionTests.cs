using System.Diagnostics;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

public sealed class FaultInjectionTests : FakeTestBase
{
    [Fact]
    public async Task Errors_fail_matching_requests_up_to_the_limit_and_are_counted()
    {
        var rule = Fake.Faults.Add(new FaultRule { StatusCode = 500, Verb = "create", Resource = "pods", MaxFailures = 2 });

        var (first, status) = await FailureAsync(() => Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default", cancellationToken: Ct));
        var (second, _) = await FailureAsync(() => Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default", cancellationToken: Ct));
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, "default", cancellationToken: Ct);
        var created = await Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default", cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, first);
        Assert.Equal(HttpStatusCode.InternalServerError, second);
        Assert.Equal("InternalError", status["reason"]!.GetValue<string>());
        Assert.Equal("p", created.Metadata.Name);
        Assert.Equal(2, rule.Injected);
        Assert.Equal(3, Fake.Requests.Count("create", "pods"));
        Assert.Equal(4, Fake.Requests.Count("create"));
        Assert.Equal(1, Fake.Requests.Created("pods"));
        Assert.Equal(1, Fake.Requests.Created("secrets"));
    }

    [Fact]
    public async Task A_create_refused_as_already_exists_is_a_request_but_not_a_created_object()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("twice"), "default", cancellationToken: Ct);
        var (again, _) = await FailureAsync(() => Client.CoreV1.CreateNamespacedPodAsync(Pod("twice"), "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal(2, Fake.Requests.Count("create", "pods"));
        Assert.Equal(1, Fake.Requests.Created("pods"));
    }

    [Fact]
    public async Task A_share_of_updates_gets_409_and_the_rest_are_served()
    {
        await CreateWidgetAsync(Widget("w"));
        Fake.Faults.Add(FaultRule.Errors(409, share: 0.5, verb: "patch", resource: "widgets.example.com"));

        var conflicts = 0;
        var served = 0;
        for (var i = 0; i < 40; i++)
        {
            try
            {
                await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("{\"spec\":{\"size\":" + i + "}}", V1Patch.PatchType.MergePatch),
                    Group, Version, "default", Widgets, "w", cancellationToken: Ct);
                served++;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                conflicts++;
            }
        }

        Assert.InRange(conflicts, 5, 35);
        Assert.Equal(40, conflicts + served);
        Assert.Equal(served + 1, Generation(await GetWidgetAsync("w")));
        Assert.Equal(40, Fake.Requests.Count("patch", "widgets"));
    }

    [Fact]
    public async Task Rules_can_target_only_the_status_subresource()
    {
        var created = await CreateWidgetAsync(Widget("w"));
        Fake.Faults.Add(new FaultRule { StatusCode = 503, StatusSubresource = true });
        created["status"] = new System.Text.Json.Nodes.JsonObject { ["ready"] = true };

        var (code, _) = await FailureAsync(() => Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(created, Group, Version, "default", Widgets, "w", cancellationToken: Ct));
        created["spec"]!["size"] = 2;
        await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(created, Group, Version, "default", Widgets, "w", cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, code);
        Assert.Equal(2, (await GetWidgetAsync("w"))["spec"]!["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task Latency_delays_matching_requests()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default", cancellationToken: Ct);
        Fake.Faults.Add(FaultRule.Delay(TimeSpan.FromMilliseconds(200), verb: "get", resource: "pods"));

        var watch = Stopwatch.StartNew();
        var pod = await Client.CoreV1.ReadNamespacedPodAsync("p", "default", cancellationToken: Ct);
        watch.Stop();

        Assert.Equal("p", pod.Metadata.Name);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(150), $"the read took {watch.Elapsed}, less than the injected latency");
    }

    [Fact]
    public async Task Clearing_rules_restores_normal_service()
    {
        Fake.Faults.Add(FaultRule.Errors(500));
        var (code, _) = await FailureAsync(() => Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct));

        Fake.Faults.Clear();

        Assert.Equal(HttpStatusCode.InternalServerError, code);
        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct)).Items);
    }
}
