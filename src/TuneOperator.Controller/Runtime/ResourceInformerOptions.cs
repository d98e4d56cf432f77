namespace TuneOperator.Controller.Runtime;

/// <summary>Tuning of a <see cref="ResourceInformer{T}"/>.</summary>
public sealed record ResourceInformerOptions
{
    /// <summary>Objects per list page.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>How long the server keeps one watch open before closing it (timeoutSeconds).</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A watch that delivers nothing (not even a bookmark) for this long is reconnected.</summary>
    public TimeSpan WatchdogTimeout { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>The first delay after a failed list or watch; doubled per failure up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The cap on the delay between failed attempts.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}
