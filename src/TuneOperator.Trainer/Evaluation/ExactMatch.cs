namespace TuneOperator.Trainer.Evaluation;

/// <summary>Exact match of generated answers.</summary>
public static class ExactMatch
{
    /// <summary>
    /// Whether <paramref name="generated"/> equals <paramref name="reference"/> token for token, after cutting both at
    /// the first <paramref name="stopId"/> (when given).
    /// </summary>
    public static bool Matches(IReadOnlyList<int> generated, IReadOnlyList<int> reference, int? stopId = null)
        => Cut(generated, stopId).SequenceEqual(Cut(reference, stopId));

    /// <summary>The fraction of pairs that match; 0 for no pairs.</summary>
    public static double Score(IEnumerable<(IReadOnlyList<int> Generated, IReadOnlyList<int> Reference)> pairs, int? stopId = null)
    {
        var total = 0;
        var matched = 0;
        foreach (var (generated, reference) in pairs)
        {
            total++;
            if (Matches(generated, reference, stopId))
            {
                matched++;
            }
        }

        return total == 0 ? 0 : (double)matched / total;
    }

    private static IEnumerable<int> Cut(IReadOnlyList<int> ids, int? stopId)
        => stopId is null ? ids : ids.TakeWhile(id => id != stopId.Value);
}
