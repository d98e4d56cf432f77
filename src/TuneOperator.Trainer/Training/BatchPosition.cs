namespace TuneOperator.Trainer.Training;

/// <summary>Where a batch source stands: the epoch and the index of the next batch in that epoch's order.</summary>
/// <param name="Epoch">Zero-based epoch.</param>
/// <param name="Index">Zero-based index of the next batch within the epoch.</param>
public sealed record BatchPosition(int Epoch, int Index)
{
    /// <summary>The very beginning.</summary>
    public static BatchPosition Start { get; } = new(0, 0);
}
