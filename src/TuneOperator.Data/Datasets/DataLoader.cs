namespace TuneOperator.Data.Datasets;

/// <summary>
/// Reads a <see cref="PreparedDataset"/> as batches in the seeded order of each epoch (<see cref="EpochPlan"/>), packed
/// or padded as the options say. Reading can start at any <see cref="DataPosition"/> a batch reported as
/// <see cref="Batch.Next"/>, and then yields exactly the batches the uninterrupted run would have.
/// </summary>
public sealed class DataLoader
{
    private readonly PreparedDataset data;
    private readonly int batchSize;
    private readonly int padTokenId;
    private EpochPlan? plan;

    /// <summary>Creates a loader.</summary>
    /// <param name="data">The prepared data.</param>
    /// <param name="batchSize">Rows per batch (packed sequences or examples).</param>
    /// <param name="padTokenId">The padding id (the tokenizer's pad token, else its EOS).</param>
    /// <exception cref="InvalidOperationException">A source has no training example left; the message names it.</exception>
    public DataLoader(PreparedDataset data, int batchSize, int padTokenId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        foreach (var source in data.Sources.Where(s => s.Train.Count == 0))
        {
            throw new InvalidOperationException(
                $"dataset source '{source.Name}' has no training rows left after preprocessing: {data.Report.Summary()}");
        }

        this.data = data;
        this.batchSize = batchSize;
        this.padTokenId = padTokenId;
    }

    /// <summary>The padding id to use with <paramref name="tokenizer"/>: its pad token, else its EOS, else 0.</summary>
    public static int PadTokenIdOf(TuneOperator.Data.Tokenization.ITextTokenizer tokenizer) =>
        tokenizer.PadTokenId ?? tokenizer.EosTokenId ?? 0;

    /// <summary>The order of <paramref name="epoch"/>, with the number of examples each source contributes.</summary>
    public EpochPlan Plan(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (plan?.Epoch != epoch)
        {
            plan = EpochPlan.Build(
                [.. data.Sources.Select(s => s.Train.Count)],
                [.. data.Sources.Select(s => s.Weight)],
                data.Options.Seed,
                epoch,
                data.Options.Shuffle);
        }

        return plan;
    }

    /// <summary>The number of batches in <paramref name="epoch"/> (with packing this packs the epoch's lengths).</summary>
    public int BatchesPerEpoch(int epoch)
    {
        if (!data.Options.Packing)
        {
            return (Plan(epoch).Order.Count + batchSize - 1) / batchSize;
        }

        var sequences = SequencePacker.Pack(Examples(Plan(epoch), 0), data.Options.MaxSeqLength, padTokenId).Count();
        return (sequences + batchSize - 1) / batchSize;
    }

    /// <summary>
    /// The batches from <paramref name="start"/> to the end of its epoch; the last one may be smaller. The last batch's
    /// <see cref="Batch.Next"/> is the start of the following epoch.
    /// </summary>
    public IEnumerable<Batch> ReadEpoch(DataPosition start, CancellationToken cancellationToken = default)
    {
        var epochPlan = Plan(start.Epoch);
        if (start.Index < 0 || start.Index > epochPlan.Order.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"epoch {start.Epoch} has {epochPlan.Order.Count} examples");
        }

        var rows = data.Options.Packing
            ? SequencePacker.Pack(Examples(epochPlan, start.Index), data.Options.MaxSeqLength, padTokenId)
            : Examples(epochPlan, start.Index).Select(TrainingSequence.Single);
        return Batches(rows, start, epochPlan.Order.Count, cancellationToken);
    }

    /// <summary>The validation examples in file order, padded batch by batch (never packed).</summary>
    public IEnumerable<Batch> ReadValidation()
    {
        var examples = data.Validation;
        for (var i = 0; i < examples.Count; i += batchSize)
        {
            var rows = examples.Skip(i).Take(batchSize).Select(TrainingSequence.Single).ToList();
            yield return BatchCollator.Collate(rows, padTokenId, data.Options.PaddingSide, new DataPosition(0, i + rows.Count));
        }
    }

    private IEnumerable<Batch> Batches(IEnumerable<TrainingSequence> rows, DataPosition start, int epochLength, CancellationToken cancellationToken)
    {
        var index = start.Index;
        var pending = new List<TrainingSequence>(batchSize);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            pending.Add(row);
            index += row.Examples;
            if (pending.Count == batchSize)
            {
                yield return Collate(pending, index, epochLength, start.Epoch);
                pending.Clear();
            }
        }

        if (pending.Count > 0)
        {
            yield return Collate(pending, index, epochLength, start.Epoch);
        }
    }

    private Batch Collate(List<TrainingSequence> rows, long index, int epochLength, int epoch)
    {
        var next = index >= epochLength ? new DataPosition(epoch + 1, 0) : new DataPosition(epoch, index);
        var side = data.Options.Packing ? PaddingSide.Right : data.Options.PaddingSide;
        return BatchCollator.Collate(rows, padTokenId, side, next);
    }

    private IEnumerable<TokenizedExample> Examples(EpochPlan epochPlan, long from)
    {
        for (var i = (int)from; i < epochPlan.Order.Count; i++)
        {
            var reference = epochPlan.Order[i];
            yield return data.Sources[reference.Source].Train[reference.Example];
        }
    }
}
