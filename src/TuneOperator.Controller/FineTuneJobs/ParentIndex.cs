using TuneOperator.Api;
using TuneOperator.Controller.Runtime;

namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>
/// Which jobs start from which parent (<c>spec.model.fromJob</c>, same namespace), kept from informer events so that a
/// parent's change wakes its children without walking the whole job cache.
/// </summary>
internal sealed class ParentIndex
{
    private readonly Lock gate = new();
    private readonly Dictionary<NamespacedName, HashSet<NamespacedName>> childrenByParent = [];
    private readonly Dictionary<NamespacedName, NamespacedName> parentByChild = [];

    /// <summary>Records (or clears) the parent <paramref name="job"/> names now.</summary>
    public void Update(FineTuneJob job)
    {
        var child = NamespacedName.Of(job);
        NamespacedName? parent = job.Spec?.Model?.FromJob is { Length: > 0 } name ? new NamespacedName(child.Namespace, name) : null;
        lock (gate)
        {
            if (parentByChild.TryGetValue(child, out var previous))
            {
                if (parent == previous)
                {
                    return;
                }

                Unlink(child, previous);
            }

            if (parent is { } current)
            {
                parentByChild[child] = current;
                if (!childrenByParent.TryGetValue(current, out var children))
                {
                    children = [];
                    childrenByParent[current] = children;
                }

                children.Add(child);
            }
        }
    }

    /// <summary>Forgets a job that went away (its own children stay indexed: they may wait for a parent that returns).</summary>
    public void Remove(FineTuneJob job)
    {
        var child = NamespacedName.Of(job);
        lock (gate)
        {
            if (parentByChild.TryGetValue(child, out var previous))
            {
                Unlink(child, previous);
            }
        }
    }

    /// <summary>The jobs that name <paramref name="parent"/> in spec.model.fromJob.</summary>
    public IReadOnlyList<NamespacedName> ChildrenOf(NamespacedName parent)
    {
        lock (gate)
        {
            return childrenByParent.TryGetValue(parent, out var children) ? [.. children] : [];
        }
    }

    private void Unlink(NamespacedName child, NamespacedName parent)
    {
        parentByChild.Remove(child);
        if (childrenByParent.TryGetValue(parent, out var children))
        {
            children.Remove(child);
            if (children.Count == 0)
            {
                childrenByParent.Remove(parent);
            }
        }
    }
}
