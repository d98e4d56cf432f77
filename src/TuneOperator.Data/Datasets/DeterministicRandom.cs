namespace TuneOperator.Data.Datasets;

/// <summary>
/// A SplitMix64 generator seeded from several numbers (seed, epoch, row hash, ...). Its sequence is fixed by this code,
/// not by the runtime, so orders, splits and variants stay the same across .NET versions and machines.
/// </summary>
internal sealed class DeterministicRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15;
    private ulong state;

    public DeterministicRandom(params ReadOnlySpan<ulong> seedParts)
    {
        state = Golden;
        foreach (var part in seedParts)
        {
            state = Mix(state ^ part) + Golden;
        }
    }

    /// <summary>The SplitMix64 finaliser: a well-spread 64-bit hash of <paramref name="z"/>.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        state += Golden;
        return Mix(state);
    }

    /// <summary>A number in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A number in [0, <paramref name="count"/>).</summary>
    public int NextInt(int count) => (int)(NextUInt64() % (ulong)count);

    /// <summary>The numbers 0..count-1 in a random order (Fisher–Yates).</summary>
    public int[] Permutation(int count)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        Shuffle(order);
        return order;
    }

    public void Shuffle<T>(T[] items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
