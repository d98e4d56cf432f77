using k8s;
using System.Net;
using k8s.Models;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

public sealed class SelectorAndPagingTests : FakeTestBase
{
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("a", new() { ["app"] = "web", ["tier"] = "front" }, nodeName: "n1"), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("b", new() { ["app"] = "web", ["tier"] = "back" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("c", new() { ["app"] = "db" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("d"), "default", cancellationToken: Ct);
        Fake.Modify<V1Pod>("default", "a", p => p.Status.Phase = "Running");
    }

    [Theory]
    [InlineData("app=web", "a,b")]
    [InlineData("app==web", "a,b")]
    [InlineData("app!=web", "c,d")]
    [InlineData("app in (web,db)", "a,b,c")]
    [InlineData("app notin (web)", "c,d")]
    [InlineData("tier", "a,b")]
    [InlineData("!tier", "c,d")]
    [InlineData("app=web,tier!=front", "b")]
    [InlineData("", "a,b,c,d")]
    public async Task Label_selectors(string selector, string expected)
    {
        var pods = await Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: selector, cancellationToken: Ct);

        Assert.Equal(expected, string.Join(',', pods.Items.Select(p => p.Metadata.Name)));
    }

    [Theory]
    [InlineData("metadata.name=c", "c")]
    [InlineData("metadata.namespace=default,metadata.name!=a", "b,c,d")]
    [InlineData("status.phase=Running", "a")]
    [InlineData("status.phase!=Running", "b,c,d")]
    [InlineData("spec.nodeName=n1", "a")]
    [InlineData("spec.nodeName=", "b,c,d")]
    public async Task Field_selectors(string selector, string expected)
    {
        var pods = await Client.CoreV1.ListNamespacedPodAsync("default", fieldSelector: selector, cancellationToken: Ct);

        Assert.Equal(expected, string.Join(',', pods.Items.Select(p => p.Metadata.Name)));
    }

    [Fact]
    public async Task Unsupported_field_selector_is_400()
    {
        var (code, status) = await FailureAsync(() => Client.CoreV1.ListNamespacedPodAsync("default", fieldSelector: "spec.hostname=x", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("field label not supported: spec.hostname", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_label_selector_is_400()
    {
        var (code, _) = await FailureAsync(() => Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app in web", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Paging_with_limit_and_continue_returns_every_object_once()
    {
        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Client.CoreV1.ListNamespacedPodAsync("default", limit: 3, continueParameter: token, cancellationToken: Ct);
            names.AddRange(page.Items.Select(p => p.Metadata.Name));
            Assert.False(string.IsNullOrEmpty(page.Metadata.ResourceVersion));
            if (page.Metadata.ContinueProperty is not null)
            {
                Assert.Equal(1, page.Metadata.RemainingItemCount);
            }

            token = page.Metadata.ContinueProperty;
            pages++;
        }
        while (!string.IsNullOrEmpty(token));

        Assert.Equal(2, pages);
        Assert.Equal(["a", "b", "c", "d"], names);
    }

    [Fact]
    public async Task Paging_combines_with_selectors_on_custom_resources()
    {
        for (var i = 0; i < 7; i++)
        {
            await CreateWidgetAsync(Widget($"w{i}", labels: new() { ["even"] = (i % 2 == 0).ToString() }));
        }

        var first = AsJsonList(await Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, "default", Widgets, labelSelector: "even=True", limit: 2, cancellationToken: Ct));
        var token = first.Continue;
        var second = AsJsonList(await Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, "default", Widgets, labelSelector: "even=True", limit: 2, continueParameter: token, cancellationToken: Ct));

        Assert.Equal(["w0", "w2"], first.Names);
        Assert.Equal(["w4", "w6"], second.Names);
        Assert.Null(second.Continue);
    }

    [Fact]
    public async Task A_continue_token_older_than_the_history_window_is_410()
    {
        var page = await Client.CoreV1.ListNamespacedPodAsync("default", limit: 2, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("e"), "default", cancellationToken: Ct);
        Fake.CompactHistory();

        var (code, status) = await FailureAsync(() => Client.CoreV1.ListNamespacedPodAsync("default", limit: 2, continueParameter: page.Metadata.ContinueProperty, cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Gone, code);
        Assert.Equal("Expired", status["reason"]!.GetValue<string>());
    }

    private static (List<string> Names, string? Continue) AsJsonList(object list)
    {
        var json = AsJson(list);
        return ([.. json["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>())], json["metadata"]!["continue"]?.GetValue<string>());
    }
}
