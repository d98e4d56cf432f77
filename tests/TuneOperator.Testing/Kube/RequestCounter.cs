using System.Collections.Concurrent;

namespace TuneOperator.Testing.Kube;

/// <summary>Counts of requests the fake received, by verb and resource.</summary>
public sealed class RequestCounter
{
    private readonly ConcurrentDictionary<(string Verb, string Resource), long> _counts = new();
    private readonly ConcurrentDictionary<string, long> _created = new(StringComparer.Ordinal);

    /// <summary>All counts, keyed by verb and resource (plural, or plural.group).</summary>
    public IReadOnlyDictionary<(string Verb, string Resource), long> Snapshot => new Dictionary<(string, string), long>(_counts);

    /// <summary>How many requests had this verb (and resource, when given).</summary>
    /// <param name="verb">e.g. <c>create</c>, <c>list</c>, <c>watch</c>.</param>
    /// <param name="resource">A plural (<c>pods</c>) or plural.group; null for all resources.</param>
    public long Count(string verb, string? resource = null) =>
        _counts.Where(c => c.Key.Verb == verb && (resource is null || Matches(c.Key.Resource, resource))).Sum(c => c.Value);

    /// <summary>
    /// How many objects of this resource were really created (a create answered 201, dry runs excluded). Unlike
    /// <c>Count("create", resource)</c> this leaves out creates refused as AlreadyExists or invalid, which an
    /// idempotent controller may send when its cache lags.
    /// </summary>
    /// <param name="resource">A plural (<c>pods</c>) or plural.group.</param>
    public long Created(string resource) => _created.Where(c => Matches(c.Key, resource)).Sum(c => c.Value);

    /// <summary>Sets every count back to zero.</summary>
    public void Reset()
    {
        _counts.Clear();
        _created.Clear();
    }

    internal void Record(string verb, string resource) => _counts.AddOrUpdate((verb, resource), 1, (_, n) => n + 1);

    internal void RecordCreated(string resource) => _created.AddOrUpdate(resource, 1, (_, n) => n + 1);

    // A recorded plural.group matches itself and, when the query names no group, its bare plural.
    private static bool Matches(string recorded, string resource) =>
        recorded == resource || (recorded.Split('.')[0] == resource && !resource.Contains('.', StringComparison.Ordinal));
}
