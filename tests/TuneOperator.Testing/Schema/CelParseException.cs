namespace TuneOperator.Testing.Schema;

/// <summary>A CEL expression could not be parsed.</summary>
/// <param name="detail">What is wrong.</param>
/// <param name="position">The zero-based character offset in the expression.</param>
public sealed class CelParseException(string detail, int position)
    : Exception($"syntax error at offset {position}: {detail}")
{
    /// <summary>What is wrong, without the position.</summary>
    public string Detail { get; } = detail;

    /// <summary>The zero-based character offset in the expression where the problem is.</summary>
    public int Position { get; } = position;
}
