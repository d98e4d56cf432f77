namespace TuneOperator.Api;

/// <summary>Pure helpers for condition lists.</summary>
public static class Conditions
{
    /// <summary>
    /// Returns a copy of <paramref name="conditions"/> with the condition of <paramref name="type"/> set. The
    /// condition is stamped with <paramref name="observedGeneration"/>; its <c>lastTransitionTime</c> is taken from
    /// <paramref name="time"/> (truncated to seconds, as the API server stores it) when the status changes or the
    /// condition is new, and kept when the status is unchanged. Other conditions keep their order.
    /// </summary>
    public static List<Condition> Set(
        IReadOnlyList<Condition>? conditions,
        string type,
        ConditionStatus status,
        string reason,
        string? message,
        long observedGeneration,
        TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        ArgumentNullException.ThrowIfNull(time);
        var result = new List<Condition>(conditions ?? []);
        var index = result.FindIndex(c => c.Type == type);
        var existing = index >= 0 ? result[index] : null;
        var transition = existing is not null && existing.Status == status
            ? existing.LastTransitionTime
            : TruncateToSeconds(time.GetUtcNow());
        var updated = new Condition
        {
            Type = type,
            Status = status,
            ObservedGeneration = observedGeneration,
            LastTransitionTime = transition,
            Reason = reason,
            Message = message,
        };
        if (index >= 0)
        {
            result[index] = updated;
        }
        else
        {
            result.Add(updated);
        }

        return result;
    }

    /// <summary>Returns the condition of <paramref name="type"/>, or null.</summary>
    public static Condition? Find(IReadOnlyList<Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>True when the condition of <paramref name="type"/> exists with status True.</summary>
    public static bool IsTrue(IReadOnlyList<Condition>? conditions, string type) =>
        Find(conditions, type)?.Status == ConditionStatus.True;

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
