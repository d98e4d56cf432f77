namespace TuneOperator.Api.Validation;

/// <summary>Durations as written in the API (<c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>250ms</c>).</summary>
public static class Durations
{
    /// <summary>Parses a duration.</summary>
    /// <exception cref="FormatException">The text is not a duration.</exception>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ResourceChecks.TryParseDuration(text, out var duration)
            ? duration
            : throw new FormatException($"\"{text}\" is not a duration; write e.g. 30s, 5m or 1h30m");
    }

    /// <summary>Parses a duration, returning false when the text is not one.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        return text is not null && ResourceChecks.TryParseDuration(text, out duration);
    }
}
