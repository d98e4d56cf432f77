namespace TuneOperator.Trainer.Training;

/// <summary>
/// An endless, deterministic stream of batches with a resumable position: the order of every epoch is a function of
/// the source's seed and the epoch, so seeking to a saved <see cref="BatchPosition"/> continues exactly where a run
/// stopped.
/// </summary>
public interface IBatchSource
{
    /// <summary>The number of batches in one epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>The position of the next batch <see cref="Next"/> returns.</summary>
    BatchPosition Position { get; }

    /// <summary>Moves to <paramref name="position"/>.</summary>
    void Seek(BatchPosition position);

    /// <summary>Makes the next batch (in the current dispose scope) and advances, wrapping into the next epoch.</summary>
    Batch Next();
}
