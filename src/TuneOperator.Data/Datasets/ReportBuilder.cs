namespace TuneOperator.Data.Datasets;

/// <summary>Counts what happens to the rows of one file while it is read.</summary>
internal sealed class ReportBuilder(string source, string file, string split, int samplesPerReason)
{
    private readonly long[] dropCounts = new long[Enum.GetValues<DropReason>().Length];
    private readonly List<DropSample>[] samples = [.. Enum.GetValues<DropReason>().Select(_ => new List<DropSample>())];
    private long read;
    private long kept;
    private long heldOut;
    private long augmented;
    private long truncated;
    private long tokens;

    public void Read() => read++;

    public void Drop(DropReason reason, DataLocation location, string message)
    {
        dropCounts[(int)reason]++;
        if (samples[(int)reason].Count < samplesPerReason)
        {
            samples[(int)reason].Add(new DropSample(location, message));
        }
    }

    public void Keep(TokenizedExample example, bool wasTruncated, bool isHeldOut)
    {
        if (isHeldOut)
        {
            heldOut++;
        }
        else
        {
            kept++;
        }

        Count(example, wasTruncated);
    }

    public void Augment(TokenizedExample example, bool wasTruncated)
    {
        augmented++;
        Count(example, wasTruncated);
    }

    private void Count(TokenizedExample example, bool wasTruncated)
    {
        tokens += example.Length;
        if (wasTruncated)
        {
            truncated++;
        }
    }

    public SourceReport Build() => new(
        source,
        file,
        split,
        read,
        kept,
        heldOut,
        augmented,
        truncated,
        tokens,
        [.. Enum.GetValues<DropReason>().Where(r => dropCounts[(int)r] > 0).Select(r => new DropSummary(r, dropCounts[(int)r], [.. samples[(int)r]]))]);
}
