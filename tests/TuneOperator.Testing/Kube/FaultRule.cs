namespace TuneOperator.Testing.Kube;

/// <summary>
/// One fault to inject: matching requests are delayed by <see cref="Latency"/>, then a <see cref="Share"/> of them is answered
/// with <see cref="StatusCode"/> instead of being served.
/// </summary>
public sealed class FaultRule
{
    private int _injected;

    /// <summary>The verb to match (<c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>, <c>update</c>, <c>patch</c>, <c>delete</c>, <c>deletecollection</c>); null matches all.</summary>
    public string? Verb { get; init; }

    /// <summary>The resource to match, as plural (<c>pods</c>) or plural.group (<c>finetunejobs.tuneoperator.io</c>); null matches all.</summary>
    public string? Resource { get; init; }

    /// <summary>Whether the rule applies only to requests on the <c>/status</c> subresource (true), only to others (false), or both (null).</summary>
    public bool? StatusSubresource { get; init; }

    /// <summary>The share of matching requests that fail, from 0 to 1. Default 1.</summary>
    public double Share { get; init; } = 1;

    /// <summary>The error status to answer with (500, 503, 409, 429, 504), or null to only add latency.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Latency added to every matching request before it is served or failed.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>The most failures to inject; null for no limit.</summary>
    public int? MaxFailures { get; init; }

    /// <summary>How many failures this rule has injected.</summary>
    public int Injected => Volatile.Read(ref _injected);

    /// <summary>A rule that answers a share of matching requests with an error.</summary>
    /// <param name="statusCode">The HTTP status, e.g. 500 or 409.</param>
    /// <param name="share">The share of matching requests to fail, 0 to 1.</param>
    /// <param name="verb">The verb to match, or null for all.</param>
    /// <param name="resource">The resource to match, or null for all.</param>
    public static FaultRule Errors(int statusCode, double share = 1, string? verb = null, string? resource = null) =>
        new() { StatusCode = statusCode, Share = share, Verb = verb, Resource = resource };

    /// <summary>A rule that delays matching requests.</summary>
    /// <param name="latency">The added latency.</param>
    /// <param name="verb">The verb to match, or null for all.</param>
    /// <param name="resource">The resource to match, or null for all.</param>
    public static FaultRule Delay(TimeSpan latency, string? verb = null, string? resource = null) =>
        new() { Latency = latency, Verb = verb, Resource = resource };

    internal bool Matches(string verb, ResourceType? type, bool status) =>
        (Verb is null || Verb == verb)
        && (Resource is null || (type is not null && (Resource == type.Plural || Resource == type.GroupResource)))
        && (StatusSubresource is null || StatusSubresource == status);

    internal bool TryConsume()
    {
        if (MaxFailures is null)
        {
            Interlocked.Increment(ref _injected);
            return true;
        }

        while (true)
        {
            var current = Volatile.Read(ref _injected);
            if (current >= MaxFailures)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _injected, current + 1, current) == current)
            {
                return true;
            }
        }
    }
}
