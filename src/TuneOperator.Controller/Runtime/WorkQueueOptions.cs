namespace TuneOperator.Controller.Runtime;

/// <summary>Per-key exponential backoff of a <see cref="WorkQueue{TKey}"/>: the n-th failure waits
/// <c>min(BaseDelay * 2^(n-1), MaxDelay)</c>.</summary>
public sealed record WorkQueueOptions
{
    /// <summary>The delay after the first failure.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The cap on the delay of any retry.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);
}
