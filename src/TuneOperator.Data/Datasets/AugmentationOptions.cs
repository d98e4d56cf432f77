namespace TuneOperator.Data.Datasets;

/// <summary>
/// Seeded, deterministic text augmentation of training rows (never of validation rows). A row receives
/// <see cref="VariantsPerRow"/> noisy variants with probability <see cref="Probability"/>; the noise touches the
/// instruction and input (instruction format), the user messages (chat) or the text (classification), never the
/// output the model learns to produce. Completion rows are not augmented. With <see cref="CounterfactualPairs"/>, every
/// row that contains one of the terms also gets one variant with the terms exchanged and the same label.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>Noisy variants made for a selected row.</summary>
    public int VariantsPerRow { get; init; } = 1;

    /// <summary>Chance (0..1) that a row is selected for noisy variants.</summary>
    public double Probability { get; init; } = 1.0;

    /// <summary>Chance per word that it is dropped (a word is never dropped from a one-word text).</summary>
    public double WordDropout { get; init; }

    /// <summary>Chance per word that it is swapped with the following word.</summary>
    public double WordSwap { get; init; }

    /// <summary>Chance per word that its case is changed (lower, upper or capitalised).</summary>
    public double CaseNoise { get; init; }

    /// <summary>Chance per word boundary that the single space becomes two.</summary>
    public double WhitespaceNoise { get; init; }

    /// <summary>Term pairs for counterfactual variants (whole words, case of the first letter kept).</summary>
    public IReadOnlyList<TermPair> CounterfactualPairs { get; init; } = [];

    /// <summary>The seed; the same seed and data give the same variants.</summary>
    public ulong Seed { get; init; }

    /// <summary>Problems with the options, each naming the field under <paramref name="path"/>; empty when valid.</summary>
    public IEnumerable<string> Validate(string path)
    {
        if (VariantsPerRow < 0)
        {
            yield return $"{path}.variantsPerRow must be 0 or more (got {VariantsPerRow})";
        }

        foreach (var (name, value) in new[]
        {
            ("probability", Probability), ("wordDropout", WordDropout), ("wordSwap", WordSwap),
            ("caseNoise", CaseNoise), ("whitespaceNoise", WhitespaceNoise),
        })
        {
            if (double.IsNaN(value) || value < 0 || value > 1)
            {
                yield return $"{path}.{name} must be between 0 and 1 (got {value})";
            }
        }

        for (var i = 0; i < CounterfactualPairs.Count; i++)
        {
            var pair = CounterfactualPairs[i];
            if (string.IsNullOrWhiteSpace(pair.First) || string.IsNullOrWhiteSpace(pair.Second) || pair.First.Any(char.IsWhiteSpace) || pair.Second.Any(char.IsWhiteSpace))
            {
                yield return $"{path}.counterfactualPairs[{i}] must be two single words";
            }
        }
    }
}
