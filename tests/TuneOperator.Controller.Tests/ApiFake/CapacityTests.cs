using System.Text.Json.Nodes;
using k8s;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

[Collection(nameof(SerialCollection))]
public sealed class CapacityTests : FakeTestBase
{
    [Fact]
    public async Task Holds_ten_thousand_custom_resources_compactly_and_pages_through_them()
    {
        const int count = 10_000;
        var template = Widget("template", 3, new() { ["app"] = "bench", ["tuneoperator.io/job"] = "x" });
        template["spec"]!["model"] = new JsonObject { ["name"] = "tiny-llama", ["source"] = "pvc://models/tiny-llama" };
        template["spec"]!["dataset"] = new JsonObject { ["source"] = "pvc://data/train.jsonl", ["format"] = "chat" };
        template["spec"]!["training"] = new JsonObject { ["epochs"] = 1, ["learningRate"] = 0.0002, ["batchSize"] = 8, ["loraRank"] = 16 };
        Fake.HistoryLimit = 1000;

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < count; i++)
        {
            var widget = (JsonObject)template.DeepClone();
            widget["metadata"]!["name"] = $"job-{i:D5}";
            Fake.Put(WidgetType, widget);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var perObject = (after - before) / count;
        TestContext.Current.TestOutputHelper?.WriteLine($"{perObject} bytes per stored object");

        var seen = 0;
        string? token = null;
        do
        {
            var page = AsJson(await Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, "default", Widgets, limit: 500, continueParameter: token, cancellationToken: Ct));
            seen += page["items"]!.AsArray().Count;
            token = page["metadata"]!["continue"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(token));

        Assert.Equal(count, seen);
        Assert.True(perObject < 4096, $"each stored object costs {perObject} bytes; keep it under 4 KiB");
        var selected = AsJson(await Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, "default", Widgets, fieldSelector: "metadata.name=job-04242", cancellationToken: Ct));
        Assert.Single(selected["items"]!.AsArray());
    }
}
