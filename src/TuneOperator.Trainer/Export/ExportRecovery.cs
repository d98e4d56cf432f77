namespace TuneOperator.Trainer.Export;

/// <summary>What <see cref="ExportDirectory.Recover"/> did with an export a crash interrupted.</summary>
/// <param name="Actions">Each step taken, in order, in words (empty when nothing was interrupted).</param>
/// <param name="LeftInPlace">Leftover folders that still hold something recovery could not put back without
/// overwriting a file of the same name; they are kept for a person to look at, never deleted.</param>
public sealed record ExportRecovery(IReadOnlyList<string> Actions, IReadOnlyList<string> LeftInPlace)
{
    /// <summary>Whether an interrupted export was found.</summary>
    public bool Recovered => Actions.Count > 0 || LeftInPlace.Count > 0;
}
