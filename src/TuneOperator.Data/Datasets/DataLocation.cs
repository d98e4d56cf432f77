namespace TuneOperator.Data.Datasets;

/// <summary>Where a row came from: the file as configured and the 1-based line number.</summary>
/// <param name="File">The file path as given in the options.</param>
/// <param name="Line">The 1-based line number.</param>
public sealed record DataLocation(string File, long Line)
{
    /// <summary>Formats as <c>file:line</c>.</summary>
    public override string ToString() => $"{File}:{Line}";
}
