using k8s.Models;
using TuneOperator.Controller.Runtime;
using Xunit;

namespace TuneOperator.Controller.Tests.Runtime;

public sealed class ResourceCacheTests
{
    private static V1Pod Pod(string name, params string[] owners) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "default",
            OwnerReferences = [.. owners.Select(uid => new V1OwnerReference { ApiVersion = "v1", Kind = "Owner", Name = uid, Uid = uid })],
        },
    };

    private static string[] Children(ResourceCache<V1Pod> cache, string owner) =>
        [.. cache.ListByOwner(owner).Select(p => p.Metadata.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public void The_owner_index_follows_adds_updates_and_removals_of_one_and_of_several_children()
    {
        var cache = new ResourceCache<V1Pod>();
        cache.Upsert(Pod("a", "o1"));
        cache.Upsert(Pod("b", "o1", "o2"));
        cache.Upsert(Pod("c", "o1"));
        cache.Upsert(Pod("b", "o1", "o2"));

        Assert.Equal(["a", "b", "c"], Children(cache, "o1"));
        Assert.Equal(["b"], Children(cache, "o2"));

        // The first child indexed goes: the others stay findable.
        cache.Remove(new NamespacedName("default", "a"));
        Assert.Equal(["b", "c"], Children(cache, "o1"));

        // An update that drops an owner reference moves the object out of that owner's children.
        cache.Upsert(Pod("b", "o2"));
        Assert.Equal(["c"], Children(cache, "o1"));
        Assert.Equal(["b"], Children(cache, "o2"));

        cache.Remove(new NamespacedName("default", "c"));
        cache.Remove(new NamespacedName("default", "b"));
        Assert.Empty(cache.ListByOwner("o1"));
        Assert.Empty(cache.ListByOwner("o2"));

        cache.Upsert(Pod("d", "o1"));
        Assert.Equal(["d"], Children(cache, "o1"));
        Assert.Equal(1, cache.Count);
    }
}
