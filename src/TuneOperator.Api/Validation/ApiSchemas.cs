using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using TuneOperator.Api.Crds;

namespace TuneOperator.Api.Validation;

/// <summary>The OpenAPI schemas of the resource kinds (without descriptions), built once from the API types, the
/// same way the CRDs are.</summary>
public static class ApiSchemas
{
    private static readonly ConcurrentDictionary<Type, JsonObject> Cache = new();

    /// <summary>The schema of a resource kind such as <see cref="FineTuneJob"/>. Treat it as read-only.</summary>
    public static JsonObject For(Type resourceType) =>
        Cache.GetOrAdd(resourceType, t => new SchemaBuilder(documentation: null).BuildResource(t));

    /// <summary>The resource type of a kind name, or null for an unknown kind.</summary>
    public static Type? TypeOfKind(string kind) => kind switch
    {
        FineTuneJob.KindName => typeof(FineTuneJob),
        FineTuneSweep.KindName => typeof(FineTuneSweep),
        ModelDeployment.KindName => typeof(ModelDeployment),
        _ => null,
    };
}
