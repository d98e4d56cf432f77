using k8s;
using k8s.Models;

namespace TuneOperator.Controller.Runtime;

/// <summary>The key of a namespaced object (an empty namespace for cluster-scoped objects).</summary>
/// <param name="Namespace">The object's namespace, empty when cluster scoped.</param>
/// <param name="Name">The object's name.</param>
public readonly record struct NamespacedName(string Namespace, string Name)
{
    /// <summary>The key of an object.</summary>
    public static NamespacedName Of(IKubernetesObject<V1ObjectMeta> obj) =>
        new(obj.Metadata?.NamespaceProperty ?? string.Empty, obj.Metadata?.Name ?? string.Empty);

    /// <inheritdoc />
    public override string ToString() => Namespace.Length == 0 ? Name : Namespace + "/" + Name;
}
