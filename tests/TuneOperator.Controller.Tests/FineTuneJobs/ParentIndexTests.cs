using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Runtime;
using Xunit;

namespace TuneOperator.Controller.Tests.FineTuneJobs;

public sealed class ParentIndexTests
{
    private static FineTuneJob Job(string ns, string name, string? fromJob) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new FineTuneJobSpec
        {
            Model = new ModelSpec { Source = "pvc://m", FromJob = fromJob },
            Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl" },
            Output = new OutputSpec { Location = "pvc://results/" + name },
        },
    };

    [Fact]
    public void Children_are_found_by_parent_within_their_namespace()
    {
        var index = new ParentIndex();
        index.Update(Job("a", "child-1", "parent"));
        index.Update(Job("a", "child-2", "parent"));
        index.Update(Job("b", "child-3", "parent"));
        index.Update(Job("a", "plain", null));

        Assert.Equal(
            [new NamespacedName("a", "child-1"), new NamespacedName("a", "child-2")],
            index.ChildrenOf(new NamespacedName("a", "parent")).OrderBy(k => k.Name));
        Assert.Equal([new NamespacedName("b", "child-3")], index.ChildrenOf(new NamespacedName("b", "parent")));
        Assert.Empty(index.ChildrenOf(new NamespacedName("a", "plain")));
    }

    [Fact]
    public void A_child_that_changes_or_drops_its_parent_or_goes_away_is_no_longer_listed()
    {
        var index = new ParentIndex();
        index.Update(Job("a", "child", "first"));
        index.Update(Job("a", "other", "first"));

        index.Update(Job("a", "child", "second"));
        Assert.Equal([new NamespacedName("a", "other")], index.ChildrenOf(new NamespacedName("a", "first")));
        Assert.Equal([new NamespacedName("a", "child")], index.ChildrenOf(new NamespacedName("a", "second")));

        index.Update(Job("a", "child", null));
        Assert.Empty(index.ChildrenOf(new NamespacedName("a", "second")));

        index.Remove(Job("a", "other", "first"));
        Assert.Empty(index.ChildrenOf(new NamespacedName("a", "first")));
    }
}
