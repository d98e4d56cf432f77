using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

public sealed class SelectorParsingTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front", ["kueue.x-k8s.io/queue-name"] = "gpu" };

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app = web", true)]
    [InlineData("app==web,tier=front", true)]
    [InlineData("app!=web", false)]
    [InlineData("missing!=x", true)]
    [InlineData("app in (db, web)", true)]
    [InlineData("app notin (db,web)", false)]
    [InlineData("missing notin (x)", true)]
    [InlineData("missing in (x)", false)]
    [InlineData("kueue.x-k8s.io/queue-name", true)]
    [InlineData("!kueue.x-k8s.io/queue-name", false)]
    [InlineData("tier in (front),app", true)]
    [InlineData("", true)]
    public void Label_selector_matches(string selector, bool expected) =>
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(Labels));

    [Theory]
    [InlineData("app in web")]
    [InlineData("app,,tier")]
    [InlineData("app wat (x)")]
    public void Bad_label_selectors_are_400(string selector)
    {
        var e = Assert.Throws<KubeApiException>(() => LabelSelector.Parse(selector));
        Assert.Equal(400, e.Code);
        Assert.Contains(selector, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_labels_match_only_negative_requirements()
    {
        Assert.True(LabelSelector.Parse("!a,b!=c,d notin (e)").Matches(null));
        Assert.False(LabelSelector.Parse("a").Matches(null));
    }

    [Fact]
    public void Field_selector_reads_nested_fields_and_rejects_unknown_ones()
    {
        var pod = System.Text.Json.Nodes.JsonNode.Parse("""{"spec":{"nodeName":"n1"},"status":{"phase":"Running"}}""")!.AsObject();

        Assert.True(FieldSelector.Parse("status.phase=Running,spec.nodeName==n1").Matches("p", "default", () => pod));
        Assert.False(FieldSelector.Parse("status.phase!=Running").Matches("p", "default", () => pod));
        Assert.True(FieldSelector.Parse("metadata.name=p,metadata.namespace=default").Matches("p", "default", () => throw new InvalidOperationException("no body needed")));
        Assert.Equal(400, Assert.Throws<KubeApiException>(() => FieldSelector.Parse("spec.replicas=1")).Code);
        Assert.Equal(400, Assert.Throws<KubeApiException>(() => FieldSelector.Parse("status.phase")).Code);
    }
}
