namespace TuneOperator.Data.Datasets;

/// <summary>
/// The order of one epoch. With one source it is a permutation of its examples seeded with the seed and epoch. With
/// several, the epoch holds as many examples as all sources together, shared out by weight (largest-remainder
/// rounding, so every source gets its exact proportion up to one example); a source that needs more examples than it
/// has repeats them in fresh orders, one that needs fewer takes a different subset each epoch. The sources are then
/// interleaved in a seeded random order (or evenly spread when shuffling is off).
/// </summary>
public sealed class EpochPlan
{
    private EpochPlan(int epoch, ExampleRef[] order, long[] counts)
    {
        Epoch = epoch;
        Order = order;
        CountsPerSource = counts;
    }

    /// <summary>The epoch.</summary>
    public int Epoch { get; }

    /// <summary>The examples in reading order.</summary>
    public IReadOnlyList<ExampleRef> Order { get; }

    /// <summary>How many examples each source contributes to this epoch.</summary>
    public IReadOnlyList<long> CountsPerSource { get; }

    /// <summary>Plans an epoch.</summary>
    /// <param name="sizes">The number of training examples of each source (each at least 1).</param>
    /// <param name="weights">The weight of each source (positive).</param>
    /// <param name="seed">The seed.</param>
    /// <param name="epoch">The epoch (0-based).</param>
    /// <param name="shuffle">Shuffle; false keeps file order and spreads the sources evenly.</param>
    public static EpochPlan Build(IReadOnlyList<int> sizes, IReadOnlyList<double> weights, ulong seed, int epoch, bool shuffle)
    {
        if (sizes.Count == 0 || sizes.Count != weights.Count)
        {
            throw new ArgumentException("sizes and weights must name the same, non-empty list of sources", nameof(sizes));
        }

        for (var i = 0; i < sizes.Count; i++)
        {
            if (sizes[i] <= 0)
            {
                throw new ArgumentException($"source {i} has no training examples", nameof(sizes));
            }
        }

        var quotas = sizes.Count == 1 ? [sizes[0]] : Quotas(sizes, weights);
        var tags = new int[quotas.Sum()];
        if (shuffle)
        {
            var at = 0;
            for (var s = 0; s < quotas.Length; s++)
            {
                Array.Fill(tags, s, at, quotas[s]);
                at += quotas[s];
            }

            new DeterministicRandom(seed, (ulong)epoch, 0x4D1C).Shuffle(tags);
        }
        else
        {
            var keyed = quotas.SelectMany((q, s) => Enumerable.Range(0, q).Select(j => (Key: (j + 0.5) / q, Source: s)))
                .OrderBy(x => x.Key).ThenBy(x => x.Source).Select(x => x.Source).ToArray();
            keyed.CopyTo(tags, 0);
        }

        var taken = new int[sizes.Count];
        var passes = new Dictionary<(int Source, int Pass), int[]>();
        var order = new ExampleRef[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            var s = tags[i];
            var k = taken[s]++;
            var pass = k / sizes[s];
            if (!passes.TryGetValue((s, pass), out var permutation))
            {
                permutation = shuffle
                    ? new DeterministicRandom(seed, (ulong)epoch, (ulong)s, (ulong)pass, 0x50E7).Permutation(sizes[s])
                    : [.. Enumerable.Range(0, sizes[s])];
                passes[(s, pass)] = permutation;
            }

            order[i] = new ExampleRef(s, permutation[k % sizes[s]]);
        }

        return new EpochPlan(epoch, order, [.. quotas.Select(q => (long)q)]);
    }

    private static int[] Quotas(IReadOnlyList<int> sizes, IReadOnlyList<double> weights)
    {
        long total = sizes.Sum(s => (long)s);
        var weightSum = weights.Sum();
        var exact = weights.Select(w => total * w / weightSum).ToArray();
        var quotas = exact.Select(e => (int)Math.Floor(e)).ToArray();
        var remaining = (int)(total - quotas.Sum());
        foreach (var s in Enumerable.Range(0, sizes.Count).OrderByDescending(s => exact[s] - quotas[s]).ThenBy(s => s).Take(remaining))
        {
            quotas[s]++;
        }

        return quotas;
    }
}
