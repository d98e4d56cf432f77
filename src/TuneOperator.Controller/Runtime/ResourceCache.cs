using k8s;
using k8s.Models;

namespace TuneOperator.Controller.Runtime;

/// <summary>
/// The in-memory copy of the objects an informer keeps, indexed by namespace/name and by owner UID (to find the
/// children of an owner). Readers get the cached instances and must not change them.
/// </summary>
public sealed class ResourceCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock gate = new();
    private readonly Dictionary<NamespacedName, T> items = [];

    // Owner UID → the keys of the objects that name it. Nearly every owner has one child (a job's current trainer
    // pod), so the first child is stored inline and a set is allocated only for the second.
    private readonly Dictionary<string, OwnerEntry> byOwner = new(StringComparer.Ordinal);

    /// <summary>The number of cached objects.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return items.Count;
            }
        }
    }

    /// <summary>The cached object with this key, or null.</summary>
    public T? Get(NamespacedName key)
    {
        lock (gate)
        {
            return items.GetValueOrDefault(key);
        }
    }

    /// <summary>All cached objects, or those of one namespace.</summary>
    public IReadOnlyList<T> List(string? namespaceName = null)
    {
        lock (gate)
        {
            return namespaceName is null
                ? [.. items.Values]
                : [.. items.Where(pair => pair.Key.Namespace == namespaceName).Select(pair => pair.Value)];
        }
    }

    /// <summary>How many cached objects fall in each group <paramref name="groupOf"/> names (no copy of the cache).</summary>
    public Dictionary<string, int> CountBy(Func<T, string> groupOf)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        lock (gate)
        {
            foreach (var item in items.Values)
            {
                var group = groupOf(item);
                counts[group] = counts.GetValueOrDefault(group) + 1;
            }
        }

        return counts;
    }

    /// <summary>The keys of all cached objects.</summary>
    public IReadOnlyList<NamespacedName> Keys()
    {
        lock (gate)
        {
            return [.. items.Keys];
        }
    }

    /// <summary>The cached objects that name <paramref name="ownerUid"/> in their ownerReferences.</summary>
    public IReadOnlyList<T> ListByOwner(string ownerUid)
    {
        lock (gate)
        {
            if (!byOwner.TryGetValue(ownerUid, out var entry))
            {
                return [];
            }

            return entry.More is { } more ? [items[entry.First], .. more.Select(key => items[key])] : [items[entry.First]];
        }
    }

    /// <summary>Stores an object and returns the one it replaced.</summary>
    internal T? Upsert(T obj)
    {
        var key = NamespacedName.Of(obj);
        lock (gate)
        {
            if (items.Remove(key, out var old))
            {
                Unindex(key, old);
            }

            items[key] = obj;
            foreach (var owner in obj.Metadata.OwnerReferences ?? [])
            {
                if (string.IsNullOrEmpty(owner.Uid))
                {
                    continue;
                }

                if (!byOwner.TryGetValue(owner.Uid, out var entry))
                {
                    byOwner[owner.Uid] = new OwnerEntry(key, null);
                }
                else if (entry.First != key && entry.More?.Contains(key) != true)
                {
                    var more = entry.More ?? [];
                    more.Add(key);
                    byOwner[owner.Uid] = entry with { More = more };
                }
            }

            return old;
        }
    }

    /// <summary>Removes an object and returns it, or null when it was not cached.</summary>
    internal T? Remove(NamespacedName key)
    {
        lock (gate)
        {
            if (!items.Remove(key, out var old))
            {
                return null;
            }

            Unindex(key, old);
            return old;
        }
    }

    private void Unindex(NamespacedName key, T old)
    {
        foreach (var owner in old.Metadata.OwnerReferences ?? [])
        {
            if (string.IsNullOrEmpty(owner.Uid) || !byOwner.TryGetValue(owner.Uid, out var entry))
            {
                continue;
            }

            if (entry.First != key)
            {
                if (entry.More is { } others && others.Remove(key) && others.Count == 0)
                {
                    byOwner[owner.Uid] = entry with { More = null };
                }
            }
            else if (entry.More is not { Count: > 0 } more)
            {
                byOwner.Remove(owner.Uid);
            }
            else
            {
                // The first child went: another takes its place.
                var next = more.First();
                more.Remove(next);
                byOwner[owner.Uid] = new OwnerEntry(next, more.Count == 0 ? null : more);
            }
        }
    }

    private readonly record struct OwnerEntry(NamespacedName First, HashSet<NamespacedName>? More);
}
