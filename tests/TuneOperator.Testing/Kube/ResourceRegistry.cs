using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Kube;

/// <summary>The resources the fake serves: a fixed set of built-ins plus those of registered CRDs.</summary>
public sealed class ResourceRegistry
{
    private static readonly ResourceType[] BuiltIns =
    [
        new("", "v1", "pods", "Pod", true, true),
        new("", "v1", "secrets", "Secret", true, false),
        new("", "v1", "configmaps", "ConfigMap", true, false),
        new("", "v1", "events", "Event", true, false),
        new("", "v1", "services", "Service", true, true),
        new("", "v1", "serviceaccounts", "ServiceAccount", true, false),
        new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, true),
        new("", "v1", "namespaces", "Namespace", false, true),
        new("", "v1", "nodes", "Node", false, true),
        new("apps", "v1", "deployments", "Deployment", true, true),
        new("batch", "v1", "jobs", "Job", true, true),
        new("coordination.k8s.io", "v1", "leases", "Lease", true, false),
        new("events.k8s.io", "v1", "events", "Event", true, false),
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true),
    ];

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Group, string Version, string Plural), ResourceType> _byPath = [];
    private readonly Dictionary<string, JsonObject> _crdsByGroupResource = [];

    /// <summary>Creates a registry holding the built-in resources.</summary>
    public ResourceRegistry()
    {
        foreach (var type in BuiltIns)
        {
            _byPath[(type.Group, type.Version, type.Plural)] = type;
        }
    }

    /// <summary>The CustomResourceDefinition resource.</summary>
    public static ResourceType CustomResourceDefinitions => BuiltIns[^1];

    /// <summary>The Namespace resource.</summary>
    public static ResourceType Namespaces => BuiltIns[7];

    /// <summary>The Pod resource.</summary>
    public static ResourceType Pods => BuiltIns[0];

    /// <summary>Every served resource.</summary>
    public IReadOnlyList<ResourceType> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _byPath.Values];
            }
        }
    }

    /// <summary>Finds a served resource by its URL parts, or null.</summary>
    /// <param name="group">The group, empty for core.</param>
    /// <param name="version">The version.</param>
    /// <param name="plural">The plural.</param>
    public ResourceType? Find(string group, string version, string plural)
    {
        lock (_lock)
        {
            return _byPath.GetValueOrDefault((group, version, plural));
        }
    }

    /// <summary>Finds a served resource by apiVersion and kind, or null.</summary>
    /// <param name="apiVersion">e.g. <c>apps/v1</c>.</param>
    /// <param name="kind">e.g. <c>Deployment</c>.</param>
    public ResourceType? FindByKind(string apiVersion, string kind)
    {
        lock (_lock)
        {
            return _byPath.Values.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);
        }
    }

    /// <summary>The CRD that serves a group-resource, or null for built-ins.</summary>
    /// <param name="type">The resource.</param>
    public JsonObject? CrdFor(ResourceType type)
    {
        lock (_lock)
        {
            return _crdsByGroupResource.GetValueOrDefault(type.GroupResource);
        }
    }

    /// <summary>Reads the served resources out of a CustomResourceDefinition; throws 422 Invalid when fields are missing.</summary>
    /// <param name="crd">The CRD object.</param>
    public static IReadOnlyList<ResourceType> Describe(JsonObject crd)
    {
        var name = crd["metadata"]?["name"]?.GetValue<string>() ?? "";
        var errors = new List<KubeFieldError>();
        var spec = crd["spec"] as JsonObject;
        var group = spec?["group"]?.GetValue<string>();
        var plural = spec?["names"]?["plural"]?.GetValue<string>();
        var kind = spec?["names"]?["kind"]?.GetValue<string>();
        var scope = spec?["scope"]?.GetValue<string>();
        if (string.IsNullOrEmpty(group))
        {
            errors.Add(new("spec.group", "Required value: set the API group, e.g. example.com", "FieldValueRequired"));
        }

        if (string.IsNullOrEmpty(plural))
        {
            errors.Add(new("spec.names.plural", "Required value: set the lower-case plural, e.g. widgets", "FieldValueRequired"));
        }

        if (string.IsNullOrEmpty(kind))
        {
            errors.Add(new("spec.names.kind", "Required value: set the kind, e.g. Widget", "FieldValueRequired"));
        }

        if (scope is not ("Namespaced" or "Cluster"))
        {
            errors.Add(new("spec.scope", "Unsupported value: must be Namespaced or Cluster", "FieldValueNotSupported"));
        }

        if (spec?["versions"] is not JsonArray versions || versions.Count == 0)
        {
            errors.Add(new("spec.versions", "Required value: declare at least one version", "FieldValueRequired"));
            versions = [];
        }

        if (errors.Count == 0 && name != plural + "." + group)
        {
            errors.Add(new("metadata.name", $"Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"));
        }

        if (errors.Count > 0)
        {
            throw KubeApiException.Invalid(CustomResourceDefinitions, name, errors);
        }

        var types = new List<ResourceType>();
        foreach (var version in versions.OfType<JsonObject>())
        {
            if (version["served"]?.GetValue<bool>() == false)
            {
                continue;
            }

            var hasStatus = version["subresources"]?["status"] is not null;
            types.Add(new ResourceType(group!, version["name"]!.GetValue<string>(), plural!, kind!, scope == "Namespaced", hasStatus));
        }

        return types;
    }

    internal void Register(JsonObject crd, IReadOnlyList<ResourceType> types)
    {
        lock (_lock)
        {
            Unregister(types.Count > 0 ? types[0].GroupResource : "");
            foreach (var type in types)
            {
                _byPath[(type.Group, type.Version, type.Plural)] = type;
                _crdsByGroupResource[type.GroupResource] = crd;
            }
        }
    }

    internal void Unregister(string groupResource)
    {
        lock (_lock)
        {
            _crdsByGroupResource.Remove(groupResource);
            foreach (var key in _byPath.Where(p => p.Value.GroupResource == groupResource && p.Value.Group.Contains('.', StringComparison.Ordinal)
                         && !BuiltIns.Contains(p.Value)).Select(p => p.Key).ToList())
            {
                _byPath.Remove(key);
            }
        }
    }
}
