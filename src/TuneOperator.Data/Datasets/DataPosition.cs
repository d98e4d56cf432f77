namespace TuneOperator.Data.Datasets;

/// <summary>
/// Where reading stands: the next example to read is number <see cref="Index"/> of epoch <see cref="Epoch"/>'s order.
/// Checkpoints store it; reading from it continues exactly where the interrupted run would have.
/// </summary>
/// <param name="Epoch">The 0-based epoch.</param>
/// <param name="Index">The 0-based index into the epoch's order of examples.</param>
public sealed record DataPosition(int Epoch, long Index)
{
    /// <summary>The beginning of the first epoch.</summary>
    public static DataPosition Start { get; } = new(0, 0);

    /// <summary>Formats as <c>epoch/index</c>.</summary>
    public override string ToString() => $"{Epoch}/{Index}";
}
