namespace TuneOperator.Trainer.Training;

/// <summary>
/// A small deterministic random number generator (SplitMix64) whose whole state is one 64-bit value, so it can be
/// saved in a checkpoint and restored exactly. Used for data order; identical on every platform and .NET version.
/// </summary>
public sealed class SeededRandom(ulong state)
{
    /// <summary>The current state; a generator made from it continues the same sequence.</summary>
    public ulong State { get; private set; } = state;

    /// <summary>A generator for a derived stream, e.g. one per epoch.</summary>
    public static SeededRandom Derive(long seed, long stream)
        => new(Mix(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)stream + 0x632BE59BD9B4E019UL)));

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        State = unchecked(State + 0x9E3779B97F4A7C15UL);
        return Mix(State);
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        var bound = (ulong)maxExclusive;
        var threshold = (0UL - bound) % bound;
        while (true)
        {
            var value = NextUInt64();
            if (value >= threshold)
            {
                return (int)(value % bound);
            }
        }
    }

    /// <summary>A Fisher–Yates permutation of 0..count-1.</summary>
    public int[] Permutation(int count)
    {
        var order = Enumerable.Range(0, count).ToArray();
        for (var i = count - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
